using System;
using System.Collections;
using System.Text;

namespace MambaNano.Tests
{
    /// <summary>An MPU6050 on a simulated I2C bus: its registers, the burst the reader takes, and
    /// the faults of a real bus (no chip, a wrong chip, transfers failing from some point on).</summary>
    internal sealed class SimulatedMpu6050 : IRegisterBus
    {
        public readonly byte[] Registers = new byte[128];

        /// <summary>No chip: every transfer fails (NACK).</summary>
        public bool Absent;

        /// <summary>Transfers left before the bus starts failing; negative: never.</summary>
        public int FailAfter = -1;

        public int Transfers;

        /// <summary>DEVICE_RESETs received.</summary>
        public int Resets;

        /// <summary>Reads of PWR_MGMT_1 after a reset that still show DEVICE_RESET set (a reset in
        /// progress: register writes are lost meanwhile); negative: the reset never completes.</summary>
        public int ResetBusyReads;

        private int _resetBusyLeft;

        public SimulatedMpu6050()
        {
            PowerOn();
        }

        /// <summary>Power-on register values: zero, but WHO_AM_I, and PWR_MGMT_1 asleep.</summary>
        private void PowerOn()
        {
            Array.Clear(Registers, 0, Registers.Length);
            Registers[Mpu6050Reader.RegWhoAmI] = Mpu6050Reader.WhoAmIValue;
            Registers[Mpu6050Reader.RegPowerManagement1] = 0x40;
        }

        /// <summary>Put counts (6) accel xyz, gyro xyz into the data registers (big-endian).</summary>
        public void SetCounts(short[] counts)
        {
            for (int i = 0; i < 6; i++)
            {
                int reg = Mpu6050Reader.RegAccelXoutH + (i < 3 ? 2 * i : 2 * i + 2);
                Registers[reg] = (byte)(counts[i] >> 8);
                Registers[reg + 1] = (byte)counts[i];
            }
            Registers[Mpu6050Reader.RegAccelXoutH + 6] = 0x12; // temperature: must be skipped
            Registers[Mpu6050Reader.RegAccelXoutH + 7] = 0x34;
        }

        private bool Ok()
        {
            Transfers++;
            if (Absent)
            {
                return false;
            }
            if (FailAfter == 0)
            {
                return false;
            }
            if (FailAfter > 0)
            {
                FailAfter--;
            }
            return true;
        }

        public bool WriteRead(byte[] write, byte[] read)
        {
            if (!Ok())
            {
                return false;
            }
            for (int i = 0; i < read.Length; i++)
            {
                read[i] = Registers[(write[0] + i) & 0x7F];
            }
            if (write[0] == Mpu6050Reader.RegPowerManagement1 && _resetBusyLeft != 0)
            {
                read[0] |= Mpu6050Reader.DeviceReset;
                if (_resetBusyLeft > 0)
                {
                    _resetBusyLeft--;
                }
            }
            return true;
        }

        public bool Write(byte[] write)
        {
            if (!Ok())
            {
                return false;
            }
            if (write[0] == Mpu6050Reader.RegPowerManagement1 && (write[1] & Mpu6050Reader.DeviceReset) != 0)
            {
                Resets++;
                PowerOn();
                _resetBusyLeft = ResetBusyReads;
                return true;
            }
            if (_resetBusyLeft != 0)
            {
                return true; // acknowledged, but lost: the chip is still resetting
            }
            for (int i = 1; i < write.Length; i++)
            {
                Registers[(write[0] + i - 1) & 0x7F] = write[i];
            }
            return true;
        }
    }

    /// <summary>The device's IMU path without the device: an MPU6050 reader on a simulated chip that
    /// produces a slowly varying signal (a live sensor never repeats a sample exactly).</summary>
    internal sealed class SimulatedImu : IImuSource
    {
        public readonly SimulatedMpu6050 Chip = new SimulatedMpu6050();
        private readonly Mpu6050Reader _reader;
        private readonly short[] _counts = new short[6];
        private int _n;

        /// <summary>When set, every sample is this (stuck or saturated sensor).</summary>
        public short[] Fixed;

        public int RateHz = 50;

        public SimulatedImu()
        {
            _reader = new Mpu6050Reader(Chip);
        }

        public int SampleRateHz => RateHz;

        public int Connect() => _reader.Configure(50, 4, 500);

        public int Read(ImuSample sample)
        {
            _n++;
            if (Fixed != null)
            {
                Chip.SetCounts(Fixed);
            }
            else
            {
                for (int i = 0; i < 6; i++)
                {
                    _counts[i] = (short)((i == 2 ? 8192 : 0) + ((_n * (7 + i) + i * 13) % 61) * 40 - 1200);
                }
                Chip.SetCounts(_counts);
            }
            return _reader.Read(sample);
        }
    }

    /// <summary>A microphone that plays a generated signal, 16-bit little-endian.</summary>
    internal sealed class GeneratedAudio : IAudioSource
    {
        public const int Silence = 0;
        public const int Tone = 1;
        public const int FullScale = 2;

        public int Signal = Tone;
        public int RateHz = 16000;
        public int ConnectStatus = SensorStatus.Ok;
        public int ReadStatus = SensorStatus.Ok;
        private long _n;

        public int SampleRateHz => RateHz;

        public int BytesPerSample => 2;

        public int Connect() => ConnectStatus;

        public int Read(byte[] buffer, int count)
        {
            if (ReadStatus != SensorStatus.Ok)
            {
                return ReadStatus;
            }
            for (int i = 0; i + 1 < count; i += 2)
            {
                int v;
                if (Signal == Silence)
                {
                    v = 0;
                }
                else if (Signal == FullScale)
                {
                    v = (_n / 8) % 2 == 0 ? short.MaxValue : short.MinValue;
                }
                else
                {
                    v = (int)(8000 * Math.Sin(_n * 2 * Math.PI * 440 / 16000));
                }
                buffer[i] = (byte)v;
                buffer[i + 1] = (byte)(v >> 8);
                _n++;
            }
            return SensorStatus.Ok;
        }
    }

    /// <summary>Collects the app's serial lines as strings (tests only: this allocates).</summary>
    internal sealed class CaptureSink : ILineSink
    {
        public readonly ArrayList Lines = new ArrayList();

        public void WriteLine(byte[] line, int count)
        {
            Lines.Add(Encoding.UTF8.GetString(line, 0, count - 1)); // without '\n'
        }

        public string Last => Lines.Count == 0 ? null : (string)Lines[Lines.Count - 1];

        /// <summary>Lines containing <paramref name="text"/>.</summary>
        public int Count(string text)
        {
            int n = 0;
            for (int i = 0; i < Lines.Count; i++)
            {
                if (((string)Lines[i]).IndexOf(text) >= 0)
                {
                    n++;
                }
            }
            return n;
        }

        /// <summary>The first line containing <paramref name="text"/>, or null.</summary>
        public string Find(string text)
        {
            for (int i = 0; i < Lines.Count; i++)
            {
                if (((string)Lines[i]).IndexOf(text) >= 0)
                {
                    return (string)Lines[i];
                }
            }
            return null;
        }

        public string All()
        {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < Lines.Count; i++)
            {
                sb.Append((string)Lines[i]);
                sb.Append('\n');
            }
            return sb.ToString();
        }
    }
}
