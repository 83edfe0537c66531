namespace MambaNano
{
    /// <summary>Result codes of sensor reads and connects.</summary>
    public static class SensorStatus
    {
        public const int Ok = 0;
        /// <summary>The input has ended (a replayed recording); not a fault.</summary>
        public const int End = 1;
        /// <summary>Nothing answers (no MPU6050 on the bus, no I2S device).</summary>
        public const int NoDevice = 2;
        /// <summary>Something answers but is not the expected part.</summary>
        public const int WrongDevice = 3;
        /// <summary>A transfer failed while running (I2C NACK, timeout, I2S error).</summary>
        public const int BusError = 4;
        /// <summary>The sensor is not configured as the app needs (asleep, wrong range).</summary>
        public const int BadConfig = 5;

        /// <summary>Upper-case name for status lines (constant strings: no allocation).</summary>
        public static string Name(int status)
        {
            switch (status)
            {
                case Ok: return "OK";
                case End: return "END";
                case NoDevice: return "NO_DEVICE";
                case WrongDevice: return "WRONG_DEVICE";
                case BusError: return "BUS_ERROR";
                case BadConfig: return "BAD_CONFIG";
                default: return "UNKNOWN";
            }
        }
    }

    /// <summary>One IMU sample: raw MPU6050 counts with their full-scale ranges (device), or
    /// physical integers (recordings). Allocated once by the app and refilled.</summary>
    public sealed class ImuSample
    {
        /// <summary>(6) accel x y z, gyro x y z, int16 counts; valid when IsCounts.</summary>
        public readonly short[] Counts = new short[6];

        /// <summary>(6) accel x y z in milli-g, gyro x y z in milli-rad/s; valid when !IsCounts.</summary>
        public readonly int[] Physical = new int[6];

        public bool IsCounts;

        /// <summary>Accelerometer full-scale range of Counts: 2, 4, 8 or 16 g.</summary>
        public int AccelFullScaleG;

        /// <summary>Gyroscope full-scale range of Counts: 250, 500, 1000 or 2000 deg/s.</summary>
        public int GyroFullScaleDps;
    }

    /// <summary>A 50 Hz IMU: the MPU6050 on the device, a recording on the host.</summary>
    public interface IImuSource
    {
        /// <summary>The rate the source really delivers samples at (Hz).</summary>
        int SampleRateHz { get; }

        /// <summary>Probe and configure the sensor (again, after a fault). SensorStatus.</summary>
        int Connect();

        /// <summary>Fill <paramref name="sample"/> with the next sample. SensorStatus.</summary>
        int Read(ImuSample sample);
    }

    /// <summary>A 16 kHz microphone: I2S on the device, WAV files on the host.</summary>
    public interface IAudioSource
    {
        /// <summary>The rate the source really delivers samples at (Hz).</summary>
        int SampleRateHz { get; }

        /// <summary>Bytes per sample in the buffers Read fills: 2 (int16) or 4 (32-bit slot,
        /// sample in the top 16 bits), little-endian.</summary>
        int BytesPerSample { get; }

        /// <summary>Open the device (again, after a fault). SensorStatus.</summary>
        int Connect();

        /// <summary>Fill the first <paramref name="count"/> bytes of <paramref name="buffer"/>
        /// (blocking until they are there: this paces the app on the device). SensorStatus.</summary>
        int Read(byte[] buffer, int count);
    }

    /// <summary>Register access to one I2C device: the device's I2cDevice, or a simulation.</summary>
    public interface IRegisterBus
    {
        /// <summary>Write <paramref name="write"/>, then read <paramref name="read"/>.Length bytes
        /// (a repeated-start register read). Returns false on any transfer failure.</summary>
        bool WriteRead(byte[] write, byte[] read);

        /// <summary>Write <paramref name="write"/> (register, value...). False on failure.</summary>
        bool Write(byte[] write);
    }
}
