using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace MambaNano.Host
{
    /// <summary>A HAPT raw recording (acc_expXX_userYY.txt + gyro_..., g and rad/s at 50 Hz)
    /// replayed as the IMU: each read is the next sample as milli-g / milli-rad/s integers, rounded
    /// half to even like the training tools (numpy.rint).</summary>
    public sealed class HaptImuSource : IImuSource
    {
        private readonly double[][] _acc;
        private readonly double[][] _gyro;
        private readonly int _rateHz;
        private int _next;

        public HaptImuSource(string accPath, int rateHz = 50)
        {
            string gyroPath = Path.Combine(Path.GetDirectoryName(accPath) ?? ".", Path.GetFileName(accPath).Replace("acc_", "gyro_"));
            _acc = ReadColumns(accPath);
            _gyro = ReadColumns(gyroPath);
            if (_acc.Length != _gyro.Length)
            {
                throw new InvalidDataException($"{accPath}: {_acc.Length} accelerometer rows but {_gyro.Length} gyroscope rows");
            }
            _rateHz = rateHz;
        }

        public int SampleRateHz => _rateHz;

        public int Samples => _acc.Length;

        public int Connect() => SensorStatus.Ok;

        public int Read(ImuSample sample)
        {
            if (_next >= _acc.Length)
            {
                return SensorStatus.End;
            }
            for (int i = 0; i < 3; i++)
            {
                sample.Physical[i] = (int)Math.Round(_acc[_next][i] * 1000.0, MidpointRounding.ToEven);
                sample.Physical[3 + i] = (int)Math.Round(_gyro[_next][i] * 1000.0, MidpointRounding.ToEven);
            }
            sample.IsCounts = false;
            _next++;
            return SensorStatus.Ok;
        }

        private static double[][] ReadColumns(string path)
        {
            var rows = new List<double[]>();
            int n = 0;
            foreach (string line in File.ReadLines(path))
            {
                n++;
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 0)
                {
                    continue;
                }
                if (parts.Length != 3)
                {
                    throw new InvalidDataException($"{path}:{n}: expected 3 columns, got {parts.Length}");
                }
                var row = new double[3];
                for (int i = 0; i < 3; i++)
                {
                    row[i] = double.Parse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture);
                }
                rows.Add(row);
            }
            return rows.ToArray();
        }
    }

    /// <summary>WAV files (PCM 16-bit mono) played one after another as the microphone, with
    /// <paramref name="gapHops"/> hops of digital silence between them; the last partial hop is
    /// padded with zeros. Every file must have the same rate (the stream's rate).</summary>
    public sealed class WavAudioSource : IAudioSource
    {
        private readonly List<string> _files;
        private readonly int _gapHops;
        private readonly int _rateHz;
        private byte[] _data = Array.Empty<byte>();
        private int _pos;
        private int _fileIndex = -1;
        private int _gapLeft;

        public WavAudioSource(IEnumerable<string> files, int gapHops)
        {
            _files = new List<string>(files);
            if (_files.Count == 0)
            {
                throw new ArgumentException("no WAV files");
            }
            _gapHops = gapHops;
            _rateHz = Wav.Read(_files[0]).RateHz;
        }

        public int SampleRateHz => _rateHz;

        public int BytesPerSample => 2;

        /// <summary>The file whose samples the last read came from (null in a gap).</summary>
        public string CurrentFile => _fileIndex >= 0 && _fileIndex < _files.Count && _gapLeft == 0 ? _files[_fileIndex] : null;

        public int Connect() => SensorStatus.Ok;

        public int Read(byte[] buffer, int count)
        {
            while (_pos >= _data.Length)
            {
                if (_gapLeft > 0)
                {
                    _gapLeft--;
                    Array.Clear(buffer, 0, count);
                    return SensorStatus.Ok;
                }
                if (++_fileIndex >= _files.Count)
                {
                    return SensorStatus.End;
                }
                Wav wav = Wav.Read(_files[_fileIndex]);
                if (wav.RateHz != _rateHz)
                {
                    throw new InvalidDataException($"{_files[_fileIndex]}: {wav.RateHz} Hz, the stream is {_rateHz} Hz");
                }
                _data = wav.Pcm;
                _pos = 0;
                _gapLeft = _gapHops;
            }
            int n = Math.Min(count, _data.Length - _pos);
            Buffer.BlockCopy(_data, _pos, buffer, 0, n);
            Array.Clear(buffer, n, count - n);
            _pos += n;
            return SensorStatus.Ok;
        }
    }

    /// <summary>A PCM 16-bit mono WAV file: rate and little-endian sample bytes.</summary>
    public sealed class Wav
    {
        public int RateHz;
        public byte[] Pcm;

        public static Wav Read(string path)
        {
            byte[] b = File.ReadAllBytes(path);
            if (b.Length < 12 || b[0] != 'R' || b[1] != 'I' || b[2] != 'F' || b[3] != 'F' || b[8] != 'W' || b[9] != 'A')
            {
                throw new InvalidDataException($"{path}: not a RIFF/WAVE file");
            }
            int pos = 12, rate = 0, channels = 0, bits = 0;
            byte[] pcm = null;
            while (pos + 8 <= b.Length)
            {
                string id = System.Text.Encoding.ASCII.GetString(b, pos, 4);
                int size = BitConverter.ToInt32(b, pos + 4);
                int body = pos + 8;
                if (size < 0 || body + size > b.Length)
                {
                    size = b.Length - body; // tolerate a truncated last chunk
                }
                if (id == "fmt ")
                {
                    int format = BitConverter.ToUInt16(b, body);
                    channels = BitConverter.ToUInt16(b, body + 2);
                    rate = BitConverter.ToInt32(b, body + 4);
                    bits = BitConverter.ToUInt16(b, body + 14);
                    if (format != 1)
                    {
                        throw new InvalidDataException($"{path}: WAV format {format}, only PCM (1) is read");
                    }
                }
                else if (id == "data")
                {
                    pcm = new byte[size & ~1];
                    Buffer.BlockCopy(b, body, pcm, 0, pcm.Length);
                }
                pos = body + size + (size & 1);
            }
            if (pcm == null || channels != 1 || bits != 16)
            {
                throw new InvalidDataException($"{path}: need PCM 16-bit mono with a data chunk (got {channels} ch, {bits} bit)");
            }
            return new Wav { RateHz = rate, Pcm = pcm };
        }
    }

    /// <summary>Serial lines to a stream (stdout), as the device's UART would carry them.</summary>
    public sealed class StreamLineSink : ILineSink
    {
        private readonly Stream _stream;

        public StreamLineSink(Stream stream)
        {
            _stream = stream;
        }

        public void WriteLine(byte[] line, int count)
        {
            _stream.Write(line, 0, count);
        }
    }
}
