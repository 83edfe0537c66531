using System;

namespace MambaNano
{
    /// <summary>Lines to the debug channel (Visual Studio's output window on the device, stdout
    /// under nanoCLR on Linux): the device's fallback when the UART cannot be opened, and the
    /// nanoCLR replay's output. Converts each line to a string, so every line allocates.</summary>
    public sealed class DebugLineSink : ILineSink
    {
        public void WriteLine(byte[] line, int count)
        {
            Console.WriteLine(System.Text.Encoding.UTF8.GetString(line, 0, count - 1));
        }
    }
}
