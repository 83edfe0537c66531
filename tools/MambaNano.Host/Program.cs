using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MambaNano.Replay;

namespace MambaNano.Host
{
    /// <summary>
    /// mambanano-host: the app's own pipeline on a PC.
    ///   replay  [--har-model F] [--kws-model F] [--imu acc_expXX_userYY.txt] [--imu-rate HZ]
    ///           [--wav FILE|DIR ...] [--gap-ms MS] [--max-seconds S]
    ///           [--imu-fault dropout|stuck|saturate:START_S:DURATION_S ...]
    ///           [--mic-fault dropout|silence|clip:START_S:DURATION_S ...] [--kws-threshold PERMILLE]
    ///           [--record-input DIR]
    ///           prints exactly the serial lines the board would print for that input; with
    ///           --record-input also writes what the sensors gave the app (DIR/imu.mnrec,
    ///           DIR/mic.mnrec), which the nanoCLR replay (tools/nanoclr/Replay) plays back
    ///   compare DEVICE.log HOST.log   the protocol records of two captures, ignoring us=
    ///   parse-log LOG                 counts of each kind of record, and a check that every MN1 line parses
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            try
            {
                if (args.Length == 0)
                {
                    return Usage();
                }
                switch (args[0])
                {
                    case "replay": return Replay(args.Skip(1).ToArray());
                    case "compare" when args.Length == 3: return Compare(args[1], args[2]);
                    case "parse-log" when args.Length == 2: return ParseLog(args[1]);
                    default: return Usage();
                }
            }
            catch (Exception e) when (e is IOException || e is FormatException || e is ArgumentException || e is InvalidDataException)
            {
                Console.Error.WriteLine($"mambanano-host: {e.Message}");
                return 2;
            }
        }

        private static int Usage()
        {
            Console.Error.WriteLine("usage: mambanano-host replay [--har-model F] [--kws-model F] [--imu ACC_FILE] [--imu-rate HZ] [--wav FILE|DIR ...] [--gap-ms MS] [--max-seconds S]");
            Console.Error.WriteLine("                             [--imu-fault dropout|stuck|saturate:START_S:DURATION_S] [--mic-fault dropout|silence|clip:START_S:DURATION_S]");
            Console.Error.WriteLine("                             [--kws-threshold PERMILLE]   (default nf.config kws_threshold_permille)");
            Console.Error.WriteLine("                             [--record-input DIR]         (the sensors' calls, for tools/nanoclr/Replay)");
            Console.Error.WriteLine("       mambanano-host compare DEVICE.log HOST.log");
            Console.Error.WriteLine("       mambanano-host parse-log LOG");
            return 2;
        }

        private static int Replay(string[] args)
        {
            string harModel = null, kwsModel = null, imu = null, recordDir = null;
            var wavs = new List<string>();
            var imuFaults = new List<Fault>();
            var micFaults = new List<Fault>();
            int imuRate = BoardConfig.ImuRateHz, gapMs = 500, kwsThreshold = BoardConfig.KwsThresholdPermille;
            double maxSeconds = double.PositiveInfinity;
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--har-model": harModel = Next(); break;
                    case "--kws-model": kwsModel = Next(); break;
                    case "--imu": imu = Next(); break;
                    case "--imu-rate": imuRate = int.Parse(Next()); break;
                    case "--gap-ms": gapMs = int.Parse(Next()); break;
                    case "--kws-threshold": kwsThreshold = int.Parse(Next()); break;
                    case "--record-input": recordDir = Next(); break;
                    case "--imu-fault": imuFaults.Add(Fault.Parse(Next(), FaultyImuSource.Kinds)); break;
                    case "--mic-fault": micFaults.Add(Fault.Parse(Next(), FaultyAudioSource.Kinds)); break;
                    case "--max-seconds": maxSeconds = double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                    case "--wav":
                        while (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                        {
                            wavs.AddRange(ExpandWav(args[++i]));
                        }
                        break;
                    default: throw new ArgumentException($"unknown option {args[i]}");
                }
            }
            if (imu == null && wavs.Count == 0)
            {
                throw new ArgumentException("nothing to replay: give --imu and/or --wav");
            }
            IImuSource imuSource = imu == null ? null : new HaptImuSource(imu, imuRate);
            IAudioSource micSource = wavs.Count == 0 ? null : new WavAudioSource(wavs, gapMs / MambaNanoApp.TickMs);
            MambaNanoApp app = null;
            Func<long> clock = () => app.TimeMs;
            if (imuSource != null && imuFaults.Count > 0)
            {
                imuSource = new FaultyImuSource(imuSource, imuFaults, clock);
            }
            if (micSource != null && micFaults.Count > 0)
            {
                micSource = new FaultyAudioSource(micSource, micFaults, clock);
            }
            using InputRecorder imuRecorder = recordDir == null || imuSource == null ? null
                : new InputRecorder(Path.Combine(recordDir, "imu.mnrec"), InputRecording.KindImu, imuSource.SampleRateHz, 0);
            using InputRecorder micRecorder = recordDir == null || micSource == null ? null
                : new InputRecorder(Path.Combine(recordDir, "mic.mnrec"), InputRecording.KindAudio, micSource.SampleRateHz, micSource.BytesPerSample);
            if (imuRecorder != null)
            {
                imuSource = new RecordingImuSource(imuSource, imuRecorder);
            }
            if (micRecorder != null)
            {
                micSource = new RecordingAudioSource(micSource, micRecorder);
            }
            using Stream stdout = Console.OpenStandardOutput();
            app = new MambaNanoApp(new Protocol(new StreamLineSink(stdout)), imuSource, micSource);
            app.KwsDetector.ThresholdPermille = kwsThreshold;
            app.Begin(harModel == null ? null : File.ReadAllBytes(harModel), kwsModel == null ? null : File.ReadAllBytes(kwsModel));
            long maxTicks = double.IsInfinity(maxSeconds) ? long.MaxValue : (long)(maxSeconds * 1000 / MambaNanoApp.TickMs);
            for (long tick = 0; tick < maxTicks && app.Tick(); tick++)
            {
            }
            imuRecorder?.Finish(app.TimeMs / MambaNanoApp.TickMs);
            micRecorder?.Finish(app.TimeMs / MambaNanoApp.TickMs);
            return 0;
        }

        private static IEnumerable<string> ExpandWav(string path)
        {
            if (Directory.Exists(path))
            {
                return Directory.EnumerateFiles(path, "*.wav", SearchOption.AllDirectories).OrderBy(p => p, StringComparer.Ordinal);
            }
            if (!File.Exists(path))
            {
                throw new IOException($"{path}: no such file or folder");
            }
            return new[] { path };
        }

        private static int Compare(string a, string b)
        {
            List<SerialRecord> x, y;
            using (var r = new StreamReader(a)) x = SerialLog.Read(r);
            using (var r = new StreamReader(b)) y = SerialLog.Read(r);
            List<string> diffs = SerialLog.Compare(x, y);
            foreach (string d in diffs)
            {
                Console.WriteLine(d);
            }
            Console.WriteLine(diffs.Count == 0 ? $"same: {x.Count} records" : $"differ ({x.Count} vs {y.Count} records)");
            return diffs.Count == 0 ? 0 : 1;
        }

        private static int ParseLog(string path)
        {
            List<SerialRecord> records;
            using (var r = new StreamReader(path)) records = SerialLog.Read(r);
            foreach (var g in records.GroupBy(r => r.Kind + (r["task"] is string task ? " " + task : "")).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                Console.WriteLine($"{g.Key}: {g.Count()}");
            }
            Console.WriteLine($"{records.Count} records");
            return 0;
        }
    }
}
