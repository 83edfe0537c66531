using System;
using System.IO.Ports;

namespace MambaNano
{
    /// <summary>The prediction line: a plain UART (not the debug channel), 8N1. A write that
    /// fails (no listener, buffer full past the timeout) drops the line rather than stall the loop.</summary>
    public sealed class UartLineSink : ILineSink
    {
        private readonly SerialPort _port;

        public UartLineSink(string portName, int baud)
        {
            _port = new SerialPort(portName, baud);
            _port.WriteTimeout = 50;
            _port.Open();
        }

        public void WriteLine(byte[] line, int count)
        {
            try
            {
                _port.Write(line, 0, count);
            }
            catch (Exception)
            {
                // dropped: the loop must keep its pace
            }
        }
    }
}
