using System;
using System.Collections.Generic;
using System.Globalization;

namespace MambaNano.Host
{
    /// <summary>One injected sensor fault: KIND:START_S:DURATION_S on the command line.</summary>
    public sealed class Fault
    {
        public string Kind;
        public long StartMs;
        public long EndMs;

        /// <summary>Longest input time a fault may start at or last, seconds (about 115 days).</summary>
        public const double MaxSeconds = 1e7;

        /// <summary>Parse "dropout:30:2" (kind, start seconds >= 0, duration seconds > 0). Throws
        /// ArgumentException naming what is wrong.</summary>
        public static Fault Parse(string text, string[] kinds)
        {
            string[] p = text.Split(':');
            if (p.Length != 3 || Array.IndexOf(kinds, p[0]) < 0)
            {
                throw new ArgumentException(
                    $"fault '{text}': expected KIND:START_S:DURATION_S with KIND one of {string.Join(", ", kinds)}");
            }
            double start = Seconds(text, p[1], "START_S", 0);
            double duration = Seconds(text, p[2], "DURATION_S", double.Epsilon);
            return new Fault { Kind = p[0], StartMs = (long)(start * 1000), EndMs = (long)((start + duration) * 1000) };
        }

        private static double Seconds(string text, string value, string name, double min)
        {
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
                || double.IsNaN(v) || v < min || v > MaxSeconds)
            {
                throw new ArgumentException($"fault '{text}': {name} '{value}' is not a number of seconds in "
                    + (min > 0 ? "(0, " : "[0, ") + MaxSeconds.ToString("0", CultureInfo.InvariantCulture) + "]");
            }
            return v;
        }

        /// <summary>The kind of the first fault active at tMs, or null.</summary>
        public static string ActiveKind(List<Fault> faults, long tMs)
        {
            foreach (Fault f in faults)
            {
                if (tMs >= f.StartMs && tMs < f.EndMs)
                {
                    return f.Kind;
                }
            }
            return null;
        }
    }

    /// <summary>Faults injected into a replayed IMU stream: dropout (the sensor stops answering:
    /// reads fail with an I2C error, reconnects find no device), stuck (the last sample repeats),
    /// saturate (every channel at the front-end's limit). The recording runs on in input time
    /// (the app's clock) while the sensor is lost, as a real signal would.</summary>
    public sealed class FaultyImuSource : IImuSource
    {
        public static readonly string[] Kinds = { "dropout", "stuck", "saturate" };
        private readonly IImuSource _inner;
        private readonly List<Fault> _faults;
        private readonly Func<long> _clockMs;
        private readonly int[] _last = new int[6];
        private readonly ImuSample _skipped = new ImuSample();
        private long _consumed;

        /// <param name="clockMs">input time of the app (its TimeMs)</param>
        public FaultyImuSource(IImuSource inner, List<Fault> faults, Func<long> clockMs)
        {
            _inner = inner;
            _faults = faults;
            _clockMs = clockMs;
        }

        public int SampleRateHz => _inner.SampleRateHz;

        public int Connect() => ActiveKind() == "dropout" ? SensorStatus.NoDevice : _inner.Connect();

        public int Read(ImuSample sample)
        {
            string kind = ActiveKind();
            long due = _clockMs() * _inner.SampleRateHz / 1000;
            for (; _consumed < due; _consumed++)
            {
                _inner.Read(_skipped); // samples that went by while the sensor was lost
            }
            _consumed++;
            int status = _inner.Read(sample);
            if (status != SensorStatus.Ok || kind == null)
            {
                Array.Copy(sample.Physical, _last, 6);
                return status;
            }
            switch (kind)
            {
                case "dropout":
                    return SensorStatus.BusError;
                case "stuck":
                    Array.Copy(_last, sample.Physical, 6);
                    break;
                default: // saturate: +16 g / +35 rad/s, the front-end's clamp limits
                    for (int i = 0; i < 6; i++)
                    {
                        sample.Physical[i] = i < 3 ? 16000 : 35000;
                    }
                    break;
            }
            return SensorStatus.Ok;
        }

        private string ActiveKind() => Fault.ActiveKind(_faults, _clockMs());
    }

    /// <summary>Faults injected into a replayed microphone: dropout (the device stops delivering),
    /// silence (digital zero), clip (the signal amplified 64 times into the int16 rails). The
    /// recording runs on in input time while the microphone is lost.</summary>
    public sealed class FaultyAudioSource : IAudioSource
    {
        public static readonly string[] Kinds = { "dropout", "silence", "clip" };
        private readonly IAudioSource _inner;
        private readonly List<Fault> _faults;
        private readonly Func<long> _clockMs;
        private long _consumedMs;

        /// <param name="clockMs">input time of the app (its TimeMs)</param>
        public FaultyAudioSource(IAudioSource inner, List<Fault> faults, Func<long> clockMs)
        {
            _inner = inner;
            _faults = faults;
            _clockMs = clockMs;
        }

        public int SampleRateHz => _inner.SampleRateHz;

        public int BytesPerSample => _inner.BytesPerSample;

        public int Connect() => ActiveKind() == "dropout" ? SensorStatus.NoDevice : _inner.Connect();

        public int Read(byte[] buffer, int count)
        {
            string kind = ActiveKind();
            long hopMs = (long)count / BytesPerSample * 1000 / SampleRateHz;
            for (; _consumedMs < _clockMs(); _consumedMs += hopMs)
            {
                _inner.Read(buffer, count); // audio that went by while the microphone was lost
            }
            _consumedMs += hopMs;
            int status = _inner.Read(buffer, count);
            if (status != SensorStatus.Ok || kind == null)
            {
                return status;
            }
            if (kind == "dropout")
            {
                return SensorStatus.BusError;
            }
            for (int i = 0; i + 1 < count; i += 2)
            {
                int v = kind == "silence"
                    ? 0
                    : Math.Clamp((short)(buffer[i] | buffer[i + 1] << 8) * 64, short.MinValue, short.MaxValue);
                buffer[i] = (byte)v;
                buffer[i + 1] = (byte)(v >> 8);
            }
            return SensorStatus.Ok;
        }

        private string ActiveKind() => Fault.ActiveKind(_faults, _clockMs());
    }
}
