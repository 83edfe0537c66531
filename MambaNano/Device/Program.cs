using System;
using System.Diagnostics;
using System.Threading;
using nanoFramework.Hardware.Esp32;

namespace MambaNano
{
    /// <summary>
    /// The ESP32-S3 entry point: pins from nf.config (BoardConfig), the prediction UART, the
    /// MPU6050 and the I2S microphone, the models from the app's resources, then the loop. Each
    /// tick blocks in the I2S read until a 20 ms hop is there, so audio paces the loop and the
    /// IMU is read once per hop (50 Hz); without a microphone the loop sleeps to the same pace.
    /// </summary>
    public static class Program
    {
        public static void Main()
        {
            Configuration.SetPinFunction(BoardConfig.I2cSdaPin, DeviceFunction.I2C1_DATA);
            Configuration.SetPinFunction(BoardConfig.I2cSclPin, DeviceFunction.I2C1_CLOCK);
            Configuration.SetPinFunction(BoardConfig.I2sBckPin, DeviceFunction.I2S1_BCK);
            Configuration.SetPinFunction(BoardConfig.I2sWsPin, DeviceFunction.I2S1_WS);
            Configuration.SetPinFunction(BoardConfig.I2sDataInPin, DeviceFunction.I2S1_MDATA_IN);
            Configuration.SetPinFunction(BoardConfig.UartTxPin, DeviceFunction.COM2_TX);
            Configuration.SetPinFunction(BoardConfig.UartRxPin, DeviceFunction.COM2_RX);

            Protocol protocol = new Protocol(OpenSink());
            MambaNanoApp app = new MambaNanoApp(protocol, new Mpu6050Source(), new I2sMicrophone());
            // The models are read in place in the deployed assembly: the firmware reserves no
            // arena for them (mn_engine.h) and no managed copy is made.
            app.Begin(Resources.Model(Resources.BinaryResources.har), Resources.Model(Resources.BinaryResources.kws));

            long tickTicks = Stopwatch.Frequency * MambaNanoApp.TickMs / 1000;
            long next = Stopwatch.GetTimestamp() + tickTicks;
            while (true)
            {
                try
                {
                    app.Tick();
                }
                catch (Exception e)
                {
                    // A fault no source handled: report it and keep the loop alive.
                    protocol.Error(app.TimeMs, Protocol.SourceApp, 0, e.Message);
                }
                if (app.MicPaced)
                {
                    next = Stopwatch.GetTimestamp() + tickTicks;
                    continue;
                }
                long waitMs = (next - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
                if (waitMs > 0)
                {
                    Thread.Sleep((int)waitMs);
                }
                next += tickTicks;
            }
        }

        /// <summary>The prediction UART, or (if it cannot be opened) the debug channel, so the
        /// lines still reach Visual Studio's output window.</summary>
        private static ILineSink OpenSink()
        {
            try
            {
                return new UartLineSink(BoardConfig.UartPort, BoardConfig.UartBaud);
            }
            catch (Exception)
            {
                return new DebugLineSink();
            }
        }
    }
}
