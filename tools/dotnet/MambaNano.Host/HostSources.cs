using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace MambaNano.Host
{
    /// <summary>An input file that cannot be used: the message names the file and where in it
    /// (line, or byte offset) the problem is. The host runner exits 4 on it.</summary>
    public sealed class InputException : Exception
    {
        public InputException(string path, string where, string problem)
            : base(where == null ? $"{path}: {problem}"
                   : where.StartsWith("byte", StringComparison.Ordinal) ? $"{path}: {where}: {problem}"
                   : $"{path}:{where}: {problem}")
        {
            Path = path;
        }

        public string Path { get; }

        /// <summary>The usual reasons a file cannot be opened, as an InputException.</summary>
        public static InputException Open(string path, Exception e)
        {
            if (Directory.Exists(path))
            {
                return new InputException(path, null, "is a folder, not a file");
            }
            if (e is FileNotFoundException || e is DirectoryNotFoundException)
            {
                return new InputException(path, null, "no such file");
            }
            if (e is UnauthorizedAccessException)
            {
                return new InputException(path, null, "permission denied");
            }
            return new InputException(path, null, "cannot be read: " + e.Message);
        }

        public static FileStream OpenRead(string path)
        {
            try
            {
                return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException
                                      || e is NotSupportedException)
            {
                throw Open(path, e);
            }
        }
    }

    /// <summary>Lines of a text file, one at a time, with their 1-based numbers; a line longer
    /// than <see cref="MaxLineBytes"/> is refused (so a binary file or /dev/zero cannot fill the
    /// memory). Memory does not grow with the file.</summary>
    public sealed class TextLines : IDisposable
    {
        public const int MaxLineBytes = 4096;
        private readonly Stream _file;
        private readonly byte[] _buffer = new byte[1 << 16];
        private readonly byte[] _line = new byte[MaxLineBytes];
        private int _pos;
        private int _end;

        public TextLines(string path)
        {
            Path = path;
            _file = InputException.OpenRead(path);
        }

        public string Path { get; }

        /// <summary>Number of the line the last ReadLine returned.</summary>
        public int LineNumber { get; private set; }

        /// <summary>The next line without its end ("\n" or "\r\n"), or null at the end of the file.</summary>
        public string ReadLine()
        {
            int n = 0;
            bool any = false;
            while (true)
            {
                if (_pos >= _end)
                {
                    _end = ReadMore();
                    _pos = 0;
                    if (_end == 0)
                    {
                        if (!any)
                        {
                            return null;
                        }
                        break;
                    }
                }
                any = true;
                byte b = _buffer[_pos++];
                if (b == (byte)'\n')
                {
                    break;
                }
                if (n == MaxLineBytes)
                {
                    throw new InputException(Path, (LineNumber + 1).ToString(CultureInfo.InvariantCulture),
                        $"line longer than {MaxLineBytes} bytes: not a text file of numbers");
                }
                _line[n++] = b;
            }
            LineNumber++;
            if (n > 0 && _line[n - 1] == (byte)'\r')
            {
                n--;
            }
            return Encoding.ASCII.GetString(_line, 0, n);
        }

        private int ReadMore()
        {
            try
            {
                return _file.Read(_buffer, 0, _buffer.Length);
            }
            catch (IOException e)
            {
                throw new InputException(Path, (LineNumber + 1).ToString(CultureInfo.InvariantCulture),
                    "read error: " + e.Message);
            }
        }

        public void Dispose() => _file.Dispose();
    }

    /// <summary>A HAPT raw recording replayed as the IMU: acc_expXX_userYY.txt (g) and its
    /// gyroscope file (rad/s), 3 space-separated numbers a line, one line per 50 Hz sample. Each
    /// read is the next sample as milli-g / milli-rad/s integers, rounded half to even like the
    /// training tools (numpy.rint). Both files are read line by line (memory independent of their
    /// length); the constructor reads them through once to refuse a bad value or a row-count
    /// mismatch before the replay starts. Every error names the file and the line.
    /// Pairing: the gyroscope file is given, or it is the accelerometer file's name with its
    /// "acc_" prefix replaced by "gyro_", in the same folder (the HAPT layout); an accelerometer
    /// file whose name does not start with "acc_" needs the gyroscope file given.</summary>
    public sealed class HaptImuSource : IImuSource, IDisposable
    {
        /// <summary>Largest magnitude accepted (g or rad/s): far beyond any sensor, small enough
        /// that milli-units fit an int.</summary>
        public const double MaxMagnitude = 100000;
        private readonly int _rateHz;
        private readonly double[] _row = new double[3];
        private TextLines _acc;
        private TextLines _gyro;

        public HaptImuSource(string accPath, int rateHz = 50, string gyroPath = null)
        {
            AccPath = accPath;
            if (Directory.Exists(accPath))
            {
                throw new InputException(accPath, null, "is a folder: give the recording's acc_expXX_userYY.txt file");
            }
            GyroPath = gyroPath ?? PairedGyroscope(accPath);
            if (Path.GetFullPath(GyroPath) == Path.GetFullPath(AccPath))
            {
                throw new ArgumentException($"{accPath}: the accelerometer and gyroscope files are the same file");
            }
            _rateHz = rateHz;
            Samples = CheckAll();
        }

        public string AccPath { get; }

        public string GyroPath { get; }

        public int SampleRateHz => _rateHz;

        /// <summary>Samples (rows) in the recording.</summary>
        public int Samples { get; }

        /// <summary>The gyroscope file that goes with a HAPT accelerometer file: "acc_" at the start
        /// of the file name replaced by "gyro_". ArgumentException if the name has no such prefix.</summary>
        public static string PairedGyroscope(string accPath)
        {
            string name = Path.GetFileName(accPath);
            if (!name.StartsWith("acc_", StringComparison.Ordinal))
            {
                throw new ArgumentException($"--imu {accPath}: the file name does not start with 'acc_', so its "
                    + "gyroscope file is unknown; give it with --gyro FILE (HAPT pairs acc_expXX_userYY.txt with "
                    + "gyro_expXX_userYY.txt)");
            }
            return Path.Combine(Path.GetDirectoryName(accPath) ?? "", "gyro_" + name.Substring(4));
        }

        public int Connect()
        {
            if (_acc == null && _gyro == null)
            {
                _acc = new TextLines(AccPath);
                _gyro = new TextLines(GyroPath);
            }
            return SensorStatus.Ok;
        }

        public int Read(ImuSample sample)
        {
            if (_acc == null || !NextRow(_acc, _row))
            {
                return SensorStatus.End;
            }
            for (int i = 0; i < 3; i++)
            {
                sample.Physical[i] = (int)Math.Round(_row[i] * 1000.0, MidpointRounding.ToEven);
            }
            if (!NextRow(_gyro, _row))
            {
                throw new InputException(GyroPath, null, $"ends after {_gyro.LineNumber} lines, before {AccPath}");
            }
            for (int i = 0; i < 3; i++)
            {
                sample.Physical[3 + i] = (int)Math.Round(_row[i] * 1000.0, MidpointRounding.ToEven);
            }
            sample.IsCounts = false;
            return SensorStatus.Ok;
        }

        public void Dispose()
        {
            _acc?.Dispose();
            _gyro?.Dispose();
        }

        /// <summary>Read both files through once: every value checked, rows counted and compared.</summary>
        private int CheckAll()
        {
            var row = new double[3];
            int accRows = 0, gyroRows = 0;
            using (var acc = new TextLines(AccPath))
            {
                while (NextRow(acc, row))
                {
                    accRows++;
                }
            }
            using (var gyro = new TextLines(GyroPath))
            {
                while (NextRow(gyro, row))
                {
                    gyroRows++;
                }
            }
            if (accRows == 0)
            {
                throw new InputException(AccPath, null, "no samples (an empty file)");
            }
            if (accRows != gyroRows)
            {
                throw new InputException(AccPath, null,
                    $"{accRows} accelerometer rows but {gyroRows} in its gyroscope file {GyroPath}");
            }
            return accRows;
        }

        /// <summary>The next non-empty row of three finite numbers; false at the end of the file.</summary>
        private static bool NextRow(TextLines lines, double[] row)
        {
            string line;
            while ((line = lines.ReadLine()) != null)
            {
                string[] parts = line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 0)
                {
                    continue;
                }
                string where = lines.LineNumber.ToString(CultureInfo.InvariantCulture);
                if (parts.Length != 3)
                {
                    throw new InputException(lines.Path, where, $"expected 3 numbers, got {parts.Length} values");
                }
                for (int i = 0; i < 3; i++)
                {
                    string text = parts[i].Length > 40 ? parts[i].Substring(0, 40) + "..." : parts[i];
                    if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                    {
                        throw new InputException(lines.Path, where, $"column {i + 1}: '{text}' is not a number");
                    }
                    if (double.IsNaN(v) || double.IsInfinity(v))
                    {
                        throw new InputException(lines.Path, where, $"column {i + 1}: '{text}' is not a finite number");
                    }
                    if (Math.Abs(v) > MaxMagnitude)
                    {
                        throw new InputException(lines.Path, where,
                            $"column {i + 1}: {text} is out of range (|value| <= {MaxMagnitude})");
                    }
                    row[i] = v;
                }
                return true;
            }
            return false;
        }
    }

    /// <summary>The PCM layout of a WAV file: where its samples are, read from the header only.</summary>
    public sealed class WavInfo
    {
        public string Path;
        public int RateHz;
        /// <summary>Byte offset of the first sample.</summary>
        public long DataOffset;
        /// <summary>Bytes of samples (even; the data chunk's size, or what the file has of it).</summary>
        public long DataBytes;

        /// <summary>Read and check the header of a PCM 16-bit mono RIFF/WAVE file: chunk by chunk up
        /// to the data chunk, never more than a chunk header at a time. Every error names the byte
        /// offset of the problem.</summary>
        public static WavInfo Read(string path)
        {
            using FileStream f = InputException.OpenRead(path);
            long length;
            try
            {
                length = f.Length;
            }
            catch (IOException)
            {
                length = -1;
            }
            var b = new byte[16];
            int got = ReadFully(f, path, b, 12);
            if (got < 12)
            {
                throw new InputException(path, null, $"{got} bytes: too short for a RIFF/WAVE header (12 bytes)");
            }
            if (b[0] != 'R' || b[1] != 'I' || b[2] != 'F' || b[3] != 'F'
                || b[8] != 'W' || b[9] != 'A' || b[10] != 'V' || b[11] != 'E')
            {
                throw new InputException(path, null,
                    "not a RIFF/WAVE file (byte 0 is not \"RIFF\", or byte 8 not \"WAVE\")");
            }
            long pos = 12;
            bool haveFormat = false;
            int rate = 0;
            while (true)
            {
                got = ReadFully(f, path, b, 8);
                if (got == 0)
                {
                    throw new InputException(path, $"byte {pos}",
                        haveFormat ? "no data chunk" : "no fmt chunk and no data chunk");
                }
                if (got < 8)
                {
                    throw new InputException(path, $"byte {pos}",
                        $"header cut short: a chunk header needs 8 bytes, the file has {got}");
                }
                string id = Encoding.ASCII.GetString(b, 0, 4);
                long size = BitConverter.ToUInt32(b, 4);
                long body = pos + 8;
                if (id == "fmt ")
                {
                    if (size < 16)
                    {
                        throw new InputException(path, $"byte {pos}", $"fmt chunk of {size} bytes: PCM needs 16");
                    }
                    got = ReadFully(f, path, b, 16);
                    if (got < 16)
                    {
                        throw new InputException(path, $"byte {body}", $"fmt chunk cut short: {got} of its 16 bytes");
                    }
                    int format = BitConverter.ToUInt16(b, 0);
                    int channels = BitConverter.ToUInt16(b, 2);
                    rate = BitConverter.ToInt32(b, 4);
                    int bits = BitConverter.ToUInt16(b, 14);
                    if (format != 1)
                    {
                        throw new InputException(path, $"byte {body}", $"WAV format {format}: only PCM (1) is read");
                    }
                    if (channels != 1 || bits != 16)
                    {
                        throw new InputException(path, $"byte {body + 2}",
                            $"{channels} channel(s) of {bits} bits: only 16-bit mono is read");
                    }
                    if (rate <= 0)
                    {
                        throw new InputException(path, $"byte {body + 4}", $"sample rate {rate} Hz");
                    }
                    haveFormat = true;
                    Skip(f, path, size - 16 + (size & 1), body + 16);
                }
                else if (id == "data")
                {
                    if (!haveFormat)
                    {
                        throw new InputException(path, $"byte {pos}", "data chunk before the fmt chunk");
                    }
                    long available = length >= 0 ? Math.Max(0, length - body) : size;
                    return new WavInfo
                    {
                        Path = path,
                        RateHz = rate,
                        DataOffset = body,
                        DataBytes = Math.Min(size, available) & ~1L,
                    };
                }
                else
                {
                    Skip(f, path, size + (size & 1), body);
                }
                pos = body + size + (size & 1);
            }
        }

        private static int ReadFully(Stream s, string path, byte[] buffer, int count)
        {
            int n = 0;
            try
            {
                while (n < count)
                {
                    int r = s.Read(buffer, n, count - n);
                    if (r == 0)
                    {
                        break;
                    }
                    n += r;
                }
            }
            catch (IOException e)
            {
                throw new InputException(path, null, "read error: " + e.Message);
            }
            return n;
        }

        private static void Skip(FileStream f, string path, long bytes, long from)
        {
            if (!f.CanSeek)
            {
                throw new InputException(path, $"byte {from}", "not a regular file (cannot skip a chunk)");
            }
            f.Seek(bytes, SeekOrigin.Current);
        }
    }

    /// <summary>WAV files (PCM 16-bit mono) played one after another as the microphone, with
    /// <paramref name="gapHops"/> hops of digital silence after each; a last partial hop is padded
    /// with zeros. Every header is checked when the source is made (a bad file is refused before
    /// the replay starts); samples are read a hop at a time from one open file, so memory does not
    /// grow with the files' length. Every file must have the audio input's rate (the first file's).</summary>
    public sealed class WavAudioSource : IAudioSource, IDisposable
    {
        private readonly List<WavInfo> _files = new List<WavInfo>();
        private readonly int _gapHops;
        private readonly int _rateHz;
        private FileStream _file;
        private long _left;
        private int _fileIndex = -1;
        private int _gapLeft;

        public WavAudioSource(IEnumerable<string> files, int gapHops)
        {
            foreach (string path in files)
            {
                WavInfo info = WavInfo.Read(path);
                if (_files.Count > 0 && info.RateHz != _files[0].RateHz)
                {
                    throw new InputException(path, null, $"{info.RateHz} Hz, but the audio input is "
                        + $"{_files[0].RateHz} Hz (the rate of {_files[0].Path})");
                }
                _files.Add(info);
            }
            if (_files.Count == 0)
            {
                throw new ArgumentException("no WAV files");
            }
            _gapHops = gapHops;
            _rateHz = _files[0].RateHz;
        }

        public int SampleRateHz => _rateHz;

        public int BytesPerSample => 2;

        public int Files => _files.Count;

        /// <summary>The file whose samples the last read came from (null in a gap).</summary>
        public string CurrentFile =>
            _fileIndex >= 0 && _fileIndex < _files.Count && _gapLeft == 0 ? _files[_fileIndex].Path : null;

        public int Connect() => SensorStatus.Ok;

        public int Read(byte[] buffer, int count)
        {
            while (_left <= 0)
            {
                if (_gapLeft > 0)
                {
                    _gapLeft--;
                    Array.Clear(buffer, 0, count);
                    return SensorStatus.Ok;
                }
                _file?.Dispose();
                _file = null;
                if (++_fileIndex >= _files.Count)
                {
                    return SensorStatus.End;
                }
                WavInfo wav = _files[_fileIndex];
                _file = InputException.OpenRead(wav.Path);
                _file.Seek(wav.DataOffset, SeekOrigin.Begin);
                _left = wav.DataBytes;
                _gapLeft = _gapHops;
            }
            int want = (int)Math.Min(count, _left);
            int n = 0;
            try
            {
                while (n < want)
                {
                    int r = _file.Read(buffer, n, want - n);
                    if (r == 0)
                    {
                        break; // the file shrank while it was read: what is there is played
                    }
                    n += r;
                }
            }
            catch (IOException e)
            {
                WavInfo wav = _files[_fileIndex];
                throw new InputException(wav.Path, $"byte {wav.DataOffset + wav.DataBytes - _left + n}",
                    "read error: " + e.Message);
            }
            Array.Clear(buffer, n, count - n);
            _left = n < want ? 0 : _left - n;
            return SensorStatus.Ok;
        }

        public void Dispose()
        {
            _file?.Dispose();
            _file = null;
        }
    }

    /// <summary>Serial lines to the host's serial output (stdout; a MemoryStream in tests), as the
    /// device's UART would carry them. A reader that goes away (a closed pipe: `| head`) ends the
    /// replay quietly: <see cref="Closed"/>.</summary>
    public sealed class SerialLineSink : ILineSink
    {
        private readonly Stream _serial;

        public SerialLineSink(Stream serial)
        {
            _serial = serial;
        }

        public bool Closed { get; private set; }

        public void WriteLine(byte[] line, int count)
        {
            if (Closed)
            {
                return;
            }
            try
            {
                _serial.Write(line, 0, count);
            }
            catch (IOException)
            {
                Closed = true;
            }
        }
    }
}
