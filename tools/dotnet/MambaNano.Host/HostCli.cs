using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;
using System.IO;
using System.Linq;
using MambaNano.Replay;

namespace MambaNano.Host
{
    /// <summary>A command line that cannot be carried out as given (exit 2).</summary>
    public sealed class UsageException : Exception
    {
        public UsageException(string message) : base(message)
        {
        }
    }

    /// <summary>
    /// mambanano-host: the app's own pipeline (MambaNano/Core, P/Invoke into the native engine) on
    /// a PC. Verbs: replay, compare, parse-log; `--help` on each. Exit codes: see <see cref="ExitCodes"/>.
    /// Everything it prints goes through the writers and the stream given to <see cref="Run"/>, so
    /// tests run it in-process.
    /// </summary>
    public static class HostCli
    {
        public const int ExitOk = 0;
        public const int ExitDiffer = 1;
        public const int ExitUsage = 2;
        public const int ExitModel = 3;
        public const int ExitInput = 4;
        public const int ExitInternal = 70;

        public const string ExitCodes =
            "Exit codes: 0 ok; 1 the logs differ (compare) or a line breaks the protocol (parse-log); " +
            "2 a usage error (unknown option, bad or out-of-range value, nothing to replay); " +
            "3 a model failed to load (replay: its ERR and STATUS state=OFF lines are printed and the other " +
            "task runs on, as on a board); 4 an input file is unreadable or invalid (model, IMU, WAV, log: " +
            "the message names the file and the line or byte offset); 70 an internal error (a bug).";

        /// <summary>Largest model file read (bytes): far above any model the format allows, so the
        /// engine judges every real file, while /dev/zero cannot fill the memory.</summary>
        public const int MaxModelFileBytes = 64 << 20;

        public const int MaxImuRateHz = 10000;
        public const int MaxGapMs = 600000;
        public const int MaxHarSmoothingWindows = 64; // 12.8 s of reports at the shipped 0.2 s
        public const double MaxReplaySeconds = 1e7;

        /// <summary>Run the command line; serial lines go to <paramref name="serial"/>, other text
        /// (help, compare and parse-log results) to <paramref name="output"/>, messages to
        /// <paramref name="error"/>. Returns the exit code.</summary>
        public static int Run(string[] args, TextWriter output, TextWriter error, Stream serial)
        {
            RootCommand root = Build(output, error, serial);
            ParseResult parse = root.Parse(args);
            if (parse.Errors.Count > 0 && !(parse.Action is HelpAction))
            {
                string verb = parse.CommandResult.Command == root
                    ? "mambanano-host"
                    : "mambanano-host " + parse.CommandResult.Command.Name;
                foreach (ParseError e in parse.Errors)
                {
                    error.WriteLine($"{verb}: {e.Message}");
                }
                error.WriteLine($"Try '{verb} --help'.");
                return ExitUsage;
            }
            try
            {
                return parse.Invoke(new InvocationConfiguration
                {
                    Output = output,
                    Error = error,
                    EnableDefaultExceptionHandler = false,
                });
            }
            catch (UsageException e)
            {
                error.WriteLine($"mambanano-host {parse.CommandResult.Command.Name}: {e.Message}");
                return ExitUsage;
            }
            catch (InputException e)
            {
                error.WriteLine($"mambanano-host: {e.Message}");
                return ExitInput;
            }
            catch (Exception e)
            {
                error.WriteLine($"mambanano-host: internal error ({e.GetType().Name}: {e.Message}); please report it");
                return ExitInternal;
            }
        }

        private static RootCommand Build(TextWriter output, TextWriter error, Stream serial)
        {
            var root = new RootCommand(
                "The MambaNano app (MambaNano/Core) on a PC, with P/Invoke into the same native engine as the " +
                "firmware: replay recordings and print exactly the serial lines a board would print " +
                "(MambaNano/PROTOCOL.md), compare two captures, check a capture. " + ExitCodes);
            root.Subcommands.Add(ReplayCommand(error, serial));
            root.Subcommands.Add(CompareCommand(output));
            root.Subcommands.Add(ParseLogCommand(output, error));
            return root;
        }

        // ---- replay -------------------------------------------------------------------------------

        private static Command ReplayCommand(TextWriter error, Stream serial)
        {
            var harModel = new Option<string>("--har-model")
            {
                HelpName = "FILE",
                Description = "HAR model file (.mnm); without it HAR is OFF",
            };
            var kwsModel = new Option<string>("--kws-model")
            {
                HelpName = "FILE",
                Description = "KWS model file (.mnm); without it KWS is OFF",
            };
            var imu = new Option<string>("--imu")
            {
                HelpName = "ACC_FILE",
                Description = "IMU recording as the HAPT raw data has it: acc_expXX_userYY.txt " +
                              "(3 numbers a line, g, 50 Hz); its gyroscope file is gyro_expXX_userYY.txt " +
                              "beside it, unless --gyro names it",
            };
            var gyro = new Option<string>("--gyro")
            {
                HelpName = "GYRO_FILE",
                Description = "the gyroscope file that goes with --imu (rad/s, as many lines); needed when " +
                              "the --imu file name does not start with 'acc_'",
            };
            Option<int> imuRate = IntOption("--imu-rate", "HZ", BoardConfig.ImuRateHz, 1, MaxImuRateHz,
                "the rate the IMU claims to run at (the HAR front-end refuses any but 50 Hz: ERR code=64)");
            var wav = new Option<string[]>("--wav")
            {
                HelpName = "FILE|DIR",
                Description = "microphone input: PCM 16-bit mono WAV files, and folders of them " +
                              "(every *.wav below, in name order), played one after another",
                AllowMultipleArgumentsPerToken = true,
                Arity = ArgumentArity.OneOrMore,
            };
            Option<int> gapMs = IntOption("--gap-ms", "MS", 500, 0, MaxGapMs,
                "silence after each WAV file, milliseconds (rounded down to 20 ms hops)");
            var maxSeconds = new Option<double>("--max-seconds")
            {
                HelpName = "S",
                Description = "stop after this much input time (default: when every input has ended)",
                CustomParser = r => ParseDouble(r, 0, MaxReplaySeconds, false),
            };
            Option<int> kwsThreshold = IntOption("--kws-threshold", "PERMILLE", BoardConfig.KwsThresholdPermille,
                1, 1000,
                "KWS reports a keyword at this smoothed probability, thousandths (nf.config kws_threshold_permille)");
            Option<int> harSmoothing = IntOption("--har-smoothing", "WINDOWS", BoardConfig.HarSmoothingWindows,
                1, MaxHarSmoothingWindows,
                "HAR reports the class of the posteriors averaged over this many scored windows " +
                "(nf.config har_smoothing_windows)");
            var imuFault = FaultOption("--imu-fault", FaultyImuSource.Kinds,
                "inject an IMU fault: dropout (the sensor stops answering), stuck (the last sample repeats), " +
                "saturate; repeatable");
            var micFault = FaultOption("--mic-fault", FaultyAudioSource.Kinds,
                "inject a microphone fault: dropout, silence (digital zero), clip (x64 into the rails); repeatable");
            var recordInput = new Option<string>("--record-input")
            {
                HelpName = "DIR",
                Description = "also write what the sensors gave the app to DIR/imu_input.mnrec and " +
                              "DIR/mic_input.mnrec (played back by the nanoCLR replay, tools/nanoclr/Replay); " +
                              "DIR is created if missing",
            };
            var command = new Command("replay",
                "Replay an IMU recording and/or WAV files through the app and print the serial lines a board " +
                "would print for that input, on stdout. The sensors' files are checked before the first line; " +
                "memory does not grow with their length. Exit 0 ok, 2 usage, 3 a model failed to load, " +
                "4 an input unreadable or invalid.")
            {
                harModel, kwsModel, imu, gyro, imuRate, wav, gapMs, maxSeconds, kwsThreshold, harSmoothing, imuFault,
                micFault,
                recordInput,
            };
            command.SetAction(p => Replay(new ReplayArgs
            {
                HarModel = p.GetValue(harModel),
                KwsModel = p.GetValue(kwsModel),
                Imu = p.GetValue(imu),
                Gyro = p.GetValue(gyro),
                ImuRate = p.GetValue(imuRate),
                Wav = p.GetValue(wav) ?? Array.Empty<string>(),
                GapMs = p.GetValue(gapMs),
                MaxSeconds = p.GetResult(maxSeconds) == null ? double.PositiveInfinity : p.GetValue(maxSeconds),
                KwsThreshold = p.GetValue(kwsThreshold),
                HarSmoothing = p.GetValue(harSmoothing),
                ImuFaults = (p.GetValue(imuFault) ?? Array.Empty<string>())
                    .Select(f => Fault.Parse(f, FaultyImuSource.Kinds)).ToList(),
                MicFaults = (p.GetValue(micFault) ?? Array.Empty<string>())
                    .Select(f => Fault.Parse(f, FaultyAudioSource.Kinds)).ToList(),
                RecordDir = p.GetValue(recordInput),
            }, error, serial));
            return command;
        }

        /// <summary>What a replay was asked to do (the replay verb's options, parsed and checked).</summary>
        public sealed class ReplayArgs
        {
            public string HarModel, KwsModel, Imu, Gyro, RecordDir;
            public int ImuRate = BoardConfig.ImuRateHz, GapMs = 500, KwsThreshold = BoardConfig.KwsThresholdPermille;
            public int HarSmoothing = BoardConfig.HarSmoothingWindows;
            public string[] Wav = Array.Empty<string>();
            public double MaxSeconds = double.PositiveInfinity;
            public List<Fault> ImuFaults = new List<Fault>(), MicFaults = new List<Fault>();
        }

        public static int Replay(ReplayArgs a, TextWriter error, Stream serial)
        {
            if (a.Imu == null && a.Wav.Length == 0)
            {
                throw new UsageException("nothing to replay: give --imu and/or --wav");
            }
            if (a.Gyro != null && a.Imu == null)
            {
                throw new UsageException("--gyro goes with --imu");
            }
            byte[] har = a.HarModel == null ? null : ReadModelFile(a.HarModel);
            byte[] kws = a.KwsModel == null ? null : ReadModelFile(a.KwsModel);
            var wavFiles = new List<string>();
            foreach (string path in a.Wav)
            {
                wavFiles.AddRange(ExpandWav(path));
            }
            HaptImuSource hapt = null;
            WavAudioSource wavSource = null;
            InputRecorder imuRecorder = null, micRecorder = null;
            try
            {
                try
                {
                    hapt = a.Imu == null ? null : new HaptImuSource(a.Imu, a.ImuRate, a.Gyro);
                }
                catch (ArgumentException e)
                {
                    throw new UsageException(e.Message);
                }
                wavSource = wavFiles.Count == 0 ? null : new WavAudioSource(wavFiles, a.GapMs / MambaNanoApp.TickMs);
                IImuSource imuSource = hapt;
                IAudioSource micSource = wavSource;
                MambaNanoApp app = null;
                Func<long> clock = () => app.TimeMs;
                if (imuSource != null && a.ImuFaults.Count > 0)
                {
                    imuSource = new FaultyImuSource(imuSource, a.ImuFaults, clock);
                }
                if (micSource != null && a.MicFaults.Count > 0)
                {
                    micSource = new FaultyAudioSource(micSource, a.MicFaults, clock);
                }
                if (a.RecordDir != null)
                {
                    try
                    {
                        Directory.CreateDirectory(a.RecordDir);
                        imuRecorder = imuSource == null ? null
                            : new InputRecorder(Path.Combine(a.RecordDir, "imu_input.mnrec"), InputRecording.KindImu,
                                imuSource.SampleRateHz, 0);
                        micRecorder = micSource == null ? null
                            : new InputRecorder(Path.Combine(a.RecordDir, "mic_input.mnrec"), InputRecording.KindAudio,
                                micSource.SampleRateHz, micSource.BytesPerSample);
                    }
                    catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                    {
                        throw new InputException(a.RecordDir, null,
                            "cannot write the input recordings there: " + e.Message);
                    }
                }
                if (imuRecorder != null)
                {
                    imuSource = new RecordingImuSource(imuSource, imuRecorder);
                }
                if (micRecorder != null)
                {
                    micSource = new RecordingAudioSource(micSource, micRecorder);
                }
                var sink = new SerialLineSink(serial);
                app = new MambaNanoApp(new Protocol(sink), imuSource, micSource);
                app.KwsDetector.ThresholdPermille = a.KwsThreshold;
                app.HarSmoothingWindows = a.HarSmoothing;
                app.Begin(har, kws);
                var failed = new List<string>();
                if (har != null && !app.Har.Model.IsLoaded)
                {
                    failed.Add($"{a.HarModel}: the HAR model did not load (see the ERR line)");
                }
                if (kws != null && !app.Kws.Model.IsLoaded)
                {
                    failed.Add($"{a.KwsModel}: the KWS model did not load (see the ERR line)");
                }
                bool live = (imuSource != null && app.Har.Model.IsLoaded)
                    || (micSource != null && app.Kws.Model.IsLoaded);
                if (failed.Count == 0 || live)
                {
                    long maxTicks = double.IsInfinity(a.MaxSeconds)
                        ? long.MaxValue
                        : (long)(a.MaxSeconds * 1000 / MambaNanoApp.TickMs);
                    for (long tick = 0; tick < maxTicks && !sink.Closed && app.Tick(); tick++)
                    {
                    }
                }
                imuRecorder?.Finish(app.TimeMs / MambaNanoApp.TickMs);
                micRecorder?.Finish(app.TimeMs / MambaNanoApp.TickMs);
                try
                {
                    serial.Flush();
                }
                catch (IOException)
                {
                    // the reader went away: nothing more to say to it
                }
                foreach (string f in failed)
                {
                    error.WriteLine("mambanano-host: " + f);
                }
                return failed.Count > 0 ? ExitModel : ExitOk;
            }
            finally
            {
                imuRecorder?.Dispose();
                micRecorder?.Dispose();
                hapt?.Dispose();
                wavSource?.Dispose();
            }
        }

        /// <summary>A model file's bytes, for the engine to judge; InputException if it cannot be read
        /// or is larger than <see cref="MaxModelFileBytes"/>. Nothing in it is interpreted here.</summary>
        public static byte[] ReadModelFile(string path)
        {
            using FileStream f = InputException.OpenRead(path);
            var buffer = new MemoryStream();
            var chunk = new byte[1 << 16];
            int n;
            try
            {
                while ((n = f.Read(chunk, 0, chunk.Length)) > 0)
                {
                    buffer.Write(chunk, 0, n);
                    if (buffer.Length > MaxModelFileBytes)
                    {
                        throw new InputException(path, null,
                            $"more than {MaxModelFileBytes >> 20} MiB: not a model file (not read further)");
                    }
                }
            }
            catch (IOException e)
            {
                throw new InputException(path, $"byte {buffer.Length}", "read error: " + e.Message);
            }
            if (buffer.Length == 0)
            {
                throw new InputException(path, null, "empty file: not a model file");
            }
            return buffer.ToArray();
        }

        /// <summary>A WAV file, or every *.wav below a folder in ordinal name order.</summary>
        public static IEnumerable<string> ExpandWav(string path)
        {
            if (Directory.Exists(path))
            {
                List<string> files;
                try
                {
                    files = Directory.EnumerateFiles(path, "*.wav", SearchOption.AllDirectories).ToList();
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    throw new InputException(path, null, "cannot list the folder: " + e.Message);
                }
                if (files.Count == 0)
                {
                    throw new InputException(path, null, "no .wav files in this folder");
                }
                files.Sort(StringComparer.Ordinal);
                return files;
            }
            if (!File.Exists(path))
            {
                throw new InputException(path, null, "no such file or folder");
            }
            return new[] { path };
        }

        // ---- compare, parse-log ------------------------------------------------------------------------

        private static Command CompareCommand(TextWriter output)
        {
            var a = new Argument<string>("DEVICE_LOG")
            {
                Description = "a capture: a board's serial log (other text is skipped) or the host runner's output",
            };
            var b = new Argument<string>("HOST_LOG") { Description = "the other capture of the same input" };
            var command = new Command("compare",
                "Compare the protocol records of two captures of the same input, record by record: kind, t and the " +
                "protocol's keys of each kind; us= (native time) and keys the protocol does not define are skipped. " +
                "Prints the first 20 differences, then 'same: N records' or 'differ: ...'. Exit 0 same, 1 differ, " +
                "2 usage, 4 a log unreadable or a line that breaks the protocol.") { a, b };
            command.SetAction(p =>
            {
                string pa = p.GetValue(a), pb = p.GetValue(b);
                using TextReader ra = OpenLog(pa), rb = OpenLog(pb);
                List<string> diffs = SerialLog.Compare(LogRecords(ra, pa), LogRecords(rb, pb),
                    out long na, out long nb, out long differing);
                foreach (string d in diffs)
                {
                    output.WriteLine(d);
                }
                output.WriteLine(differing == 0
                    ? $"same: {na} records"
                    : $"differ: {differing} of {Math.Max(na, nb)} records ({na} vs {nb} records)");
                return differing == 0 ? ExitOk : ExitDiffer;
            });
            return command;
        }

        private static Command ParseLogCommand(TextWriter output, TextWriter error)
        {
            var log = new Argument<string>("LOG")
            {
                Description = "a capture: a board's serial log or the host runner's output",
            };
            var command = new Command("parse-log",
                "Check that every MN1 line of a capture parses (MambaNano/PROTOCOL.md) and count the records of " +
                "each kind (and task). Lines that break the protocol are reported with their line numbers. " +
                "Exit 0 every line parses, 1 a line breaks the protocol, 2 usage, 4 the log unreadable.") { log };
            command.SetAction(p =>
            {
                string path = p.GetValue(log);
                using TextReader reader = OpenLog(path);
                var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
                long records = 0, broken = 0;
                foreach (SerialRecord r in LogRecords(reader, path, (n, message) =>
                {
                    if (++broken <= 20)
                    {
                        error.WriteLine($"{path}:{n}: {message}");
                    }
                }))
                {
                    records++;
                    string key = r.Kind + (r["task"] is string task ? " " + task : "");
                    counts[key] = counts.TryGetValue(key, out long c) ? c + 1 : 1;
                }
                foreach (var kv in counts)
                {
                    output.WriteLine($"{kv.Key}: {kv.Value}");
                }
                output.WriteLine($"{records} records" + (broken > 0 ? $", {broken} lines break the protocol" : ""));
                return broken > 0 ? ExitDiffer : ExitOk;
            });
            return command;
        }

        private static TextReader OpenLog(string path) => new StreamReader(InputException.OpenRead(path));

        private static string ReadLogLine(TextReader reader, string path, int lineNumber)
        {
            try
            {
                return reader.ReadLine();
            }
            catch (IOException e)
            {
                throw new InputException(path, lineNumber.ToString(CultureInfo.InvariantCulture),
                    "read error: " + e.Message);
            }
        }

        /// <summary>The protocol records of a log, line by line. A line that breaks the protocol
        /// goes to <paramref name="broken"/> (line number, message) and is skipped, or, without
        /// one, ends the reading with an InputException naming the file and line.</summary>
        private static IEnumerable<SerialRecord> LogRecords(TextReader reader, string path,
            Action<int, string> broken = null)
        {
            string line;
            int n = 0;
            while ((line = ReadLogLine(reader, path, n + 1)) != null)
            {
                n++;
                SerialRecord r;
                try
                {
                    r = SerialLog.Parse(line, n);
                }
                catch (FormatException e)
                {
                    string message = e.Message.Replace($"line {n}: ", "");
                    if (broken == null)
                    {
                        throw new InputException(path, n.ToString(CultureInfo.InvariantCulture), message);
                    }
                    broken(n, message);
                    continue;
                }
                if (r != null)
                {
                    yield return r;
                }
            }
        }

        // ---- option helpers ----------------------------------------------------------------------------

        private static Option<int> IntOption(string name, string helpName, int defaultValue, int min, int max,
            string description)
        {
            return new Option<int>(name)
            {
                HelpName = helpName,
                Description = $"{description} [{min}..{max}]",
                DefaultValueFactory = _ => defaultValue,
                CustomParser = r =>
                {
                    string text = r.Tokens.Count > 0 ? r.Tokens[r.Tokens.Count - 1].Value : "";
                    if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v)
                        || v < min || v > max)
                    {
                        r.AddError($"{name} {text}: expected a whole number in [{min}, {max}]");
                        return defaultValue;
                    }
                    return (int)v;
                },
            };
        }

        private static double ParseDouble(ArgumentResult r, double min, double max, bool minIncluded)
        {
            string name = r.Parent is OptionResult o ? o.Option.Name : "value";
            string text = r.Tokens.Count > 0 ? r.Tokens[r.Tokens.Count - 1].Value : "";
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
                || double.IsNaN(v) || (minIncluded ? v < min : v <= min) || v > max)
            {
                string low = (minIncluded ? "[" : "(") + min.ToString(CultureInfo.InvariantCulture);
                string high = max.ToString("0", CultureInfo.InvariantCulture);
                r.AddError($"{name} {text}: expected a number in {low}, {high}]");
                return min;
            }
            return v;
        }

        private static Option<string[]> FaultOption(string name, string[] kinds, string description)
        {
            var option = new Option<string[]>(name)
            {
                HelpName = string.Join("|", kinds) + ":START_S:DURATION_S",
                Description = description,
                Arity = ArgumentArity.OneOrMore,
            };
            option.Validators.Add(result =>
            {
                foreach (string text in result.GetValueOrDefault<string[]>() ?? Array.Empty<string>())
                {
                    try
                    {
                        Fault.Parse(text, kinds);
                    }
                    catch (ArgumentException e)
                    {
                        result.AddError($"{name}: {e.Message}");
                    }
                }
            });
            return option;
        }
    }
}
