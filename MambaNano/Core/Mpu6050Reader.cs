using System.Threading;

namespace MambaNano
{
    /// <summary>
    /// The app's one MPU6050 driver, allocation-free, by registers (register map RM-MPU-6000A):
    /// checks the part, resets it, wakes it, sets the sample rate, low-pass filter and full-scale
    /// ranges, reads back what the chip really has, and reads accelerometer and gyroscope counts in
    /// one 14-byte burst. The bus is an <see cref="IRegisterBus"/>: an I2cDevice on the device
    /// (Device/I2cRegisterBus.cs), a simulated chip in the tests.
    /// </summary>
    public sealed class Mpu6050Reader
    {
        public const byte RegSampleRateDivider = 0x19;
        public const byte RegConfig = 0x1A;
        public const byte RegGyroConfig = 0x1B;
        public const byte RegAccelConfig = 0x1C;
        public const byte RegAccelXoutH = 0x3B; // 14 bytes: accel xyz, temperature, gyro xyz (big-endian)
        public const byte RegPowerManagement1 = 0x6B;
        public const byte RegWhoAmI = 0x75;
        public const byte WhoAmIValue = 0x68;
        public const int BurstBytes = 14;
        public const byte DeviceReset = 0x80;         // PWR_MGMT_1 bit 7: set to reset, reads 0 when done
        public const int ResetPollMs = 10;
        public const int ResetPolls = 20;             // gives up after 20 x 10 ms

        private readonly IRegisterBus _bus;
        private readonly byte[] _register = new byte[1];
        private readonly byte[] _pair = new byte[2];
        private readonly byte[] _one = new byte[1];
        private readonly byte[] _burst = new byte[BurstBytes];
        private int _accelFullScaleG;
        private int _gyroFullScaleDps;

        public Mpu6050Reader(IRegisterBus bus)
        {
            _bus = bus;
        }

        /// <summary>Accelerometer range the chip reported at the last Configure (g).</summary>
        public int AccelFullScaleG => _accelFullScaleG;

        /// <summary>Gyroscope range the chip reported at the last Configure (deg/s).</summary>
        public int GyroFullScaleDps => _gyroFullScaleDps;

        /// <summary>Probe WHO_AM_I, reset the chip (every register to its power-on value), wake it
        /// (PLL on gyro X), 1 kHz / (1 + divider) sample rate, DLPF, ranges; then read the ranges
        /// back. SensorStatus.</summary>
        /// <param name="rateHz">output data rate: 1000 / rateHz - 1 is the divider (50 Hz -> 19)</param>
        /// <param name="accelFullScaleG">2, 4, 8 or 16</param>
        /// <param name="gyroFullScaleDps">250, 500, 1000 or 2000</param>
        public int Configure(int rateHz, int accelFullScaleG, int gyroFullScaleDps)
        {
            int accelSel = RangeSelect(accelFullScaleG, 2);
            int gyroSel = RangeSelect(gyroFullScaleDps, 250);
            if (accelSel < 0 || gyroSel < 0 || rateHz < 4 || rateHz > 1000)
            {
                return SensorStatus.BadConfig;
            }
            if (!ReadRegister(RegWhoAmI))
            {
                return SensorStatus.NoDevice;
            }
            if ((_one[0] & 0x7E) != WhoAmIValue)
            {
                return SensorStatus.WrongDevice;
            }
            int reset = Reset();
            if (reset != SensorStatus.Ok)
            {
                return reset;
            }
            // DLPF_CFG 4: 21 Hz accel / 20 Hz gyro bandwidth, under the 25 Hz Nyquist of 50 Hz.
            if (!WriteRegister(RegPowerManagement1, 0x01) ||
                !WriteRegister(RegSampleRateDivider, (byte)(1000 / rateHz - 1)) ||
                !WriteRegister(RegConfig, 0x04) ||
                !WriteRegister(RegGyroConfig, (byte)(gyroSel << 3)) ||
                !WriteRegister(RegAccelConfig, (byte)(accelSel << 3)))
            {
                return SensorStatus.BusError;
            }
            return ReadBack();
        }

        /// <summary>DEVICE_RESET, then wait until the chip clears the bit (polled every ResetPollMs;
        /// no wait when it is done at once). SensorStatus: BusError if the write fails; BadConfig if
        /// the bit is still set after ResetPolls polls, BusError if no poll got an answer.</summary>
        private int Reset()
        {
            if (!WriteRegister(RegPowerManagement1, DeviceReset))
            {
                return SensorStatus.BusError;
            }
            bool answered = false;
            for (int poll = 0; poll < ResetPolls; poll++)
            {
                // A read may fail while the chip restarts: that is a poll that says "not yet".
                if (ReadRegister(RegPowerManagement1))
                {
                    answered = true;
                    if ((_one[0] & DeviceReset) == 0)
                    {
                        return SensorStatus.Ok;
                    }
                }
                Thread.Sleep(ResetPollMs);
            }
            return answered ? SensorStatus.BadConfig : SensorStatus.BusError;
        }

        /// <summary>Read the ranges and sleep bit back from the chip. SensorStatus.</summary>
        public int ReadBack()
        {
            if (!ReadRegister(RegPowerManagement1))
            {
                return SensorStatus.BusError;
            }
            if ((_one[0] & 0x40) != 0)
            {
                return SensorStatus.BadConfig; // asleep
            }
            if (!ReadRegister(RegAccelConfig))
            {
                return SensorStatus.BusError;
            }
            _accelFullScaleG = 2 << ((_one[0] >> 3) & 3);
            if (!ReadRegister(RegGyroConfig))
            {
                return SensorStatus.BusError;
            }
            _gyroFullScaleDps = 250 << ((_one[0] >> 3) & 3);
            return SensorStatus.Ok;
        }

        /// <summary>One burst read into <paramref name="sample"/>: counts and the ranges. SensorStatus.</summary>
        public int Read(ImuSample sample)
        {
            _register[0] = RegAccelXoutH;
            if (!_bus.WriteRead(_register, _burst))
            {
                return SensorStatus.BusError;
            }
            short[] c = sample.Counts;
            c[0] = BigEndian(0);
            c[1] = BigEndian(2);
            c[2] = BigEndian(4);
            c[3] = BigEndian(8); // bytes 6..7: temperature
            c[4] = BigEndian(10);
            c[5] = BigEndian(12);
            sample.IsCounts = true;
            sample.AccelFullScaleG = _accelFullScaleG;
            sample.GyroFullScaleDps = _gyroFullScaleDps;
            return SensorStatus.Ok;
        }

        private short BigEndian(int offset) => (short)((_burst[offset] << 8) | _burst[offset + 1]);

        /// <summary>FS_SEL for a range: smallest << FS_SEL == range, FS_SEL in 0..3; else -1.</summary>
        private static int RangeSelect(int range, int smallest)
        {
            for (int sel = 0; sel < 4; sel++)
            {
                if (smallest << sel == range)
                {
                    return sel;
                }
            }
            return -1;
        }

        private bool ReadRegister(byte register)
        {
            _register[0] = register;
            return _bus.WriteRead(_register, _one);
        }

        private bool WriteRegister(byte register, byte value)
        {
            _pair[0] = register;
            _pair[1] = value;
            return _bus.Write(_pair);
        }
    }
}
