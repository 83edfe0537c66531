// The host runner's command line (tools/dotnet/MambaNano.Host/HostCli.cs), run in-process: one test per
// bad input of issue 14's table (input -> the message and the exit code a user gets), --help on
// every verb, and memory that does not grow with a WAV file's length. Inputs are made here (IMU
// text files, WAV files, broken model files) in a temporary folder; only weights/ is read.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using MambaNano.Host;
using nanoFramework.TestFramework;

namespace MambaNano.TestHost
{
    /// <summary>What one run of the command line gave: exit code, serial lines, other text.</summary>
    internal sealed class CliRun
    {
        public int Code;
        public string Serial;
        public string Output;
        public string Error;

        public string All() => $"exit {Code}\nstdout:\n{Serial}{Output}\nstderr:\n{Error}";
    }

    [TestClass]
    public class HostCliTests
    {
        private static readonly string Repo =
            Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../.."));
        private static readonly string Har = Path.Combine(Repo, "weights/har.mnm");
        private static readonly string Kws = Path.Combine(Repo, "weights/kws.mnm");
        /// <summary>The first HAR report of a replay: when its first window is full.</summary>
        private static readonly string FirstHarPrediction =
            "MN1 PRED t=" + (BoardConfig.HarWindowSamples * 1000 / BoardConfig.ImuRateHz) + " task=HAR";
        private static readonly string Dir =
            Path.Combine(Path.GetTempPath(), "mambanano-clitests-" + Environment.ProcessId);

        [Setup]
        public void MakeFolder()
        {
            Directory.CreateDirectory(Dir);
        }

        [Cleanup]
        public void RemoveFolder()
        {
            if (Directory.Exists(Dir))
            {
                Directory.Delete(Dir, true);
            }
        }

        internal static CliRun Run(params string[] args)
        {
            var serial = new MemoryStream();
            var output = new StringWriter();
            var error = new StringWriter();
            int code = HostCli.Run(args, output, error, serial);
            return new CliRun
            {
                Code = code,
                Serial = Encoding.ASCII.GetString(serial.ToArray()),
                Output = output.ToString(),
                Error = error.ToString(),
            };
        }

        private static string File(string name, string text)
        {
            string path = Path.Combine(Dir, name);
            System.IO.File.WriteAllText(path, text);
            return path;
        }

        private static string File(string name, byte[] bytes)
        {
            string path = Path.Combine(Dir, name);
            System.IO.File.WriteAllBytes(path, bytes);
            return path;
        }

        /// <summary>An IMU recording in the HAPT layout: acc_NAME.txt and gyro_NAME.txt, n rows of a
        /// person standing still; returns the acc_ file.</summary>
        private static string Imu(string name, int rows, Func<int, string> accLine = null)
        {
            var acc = new StringBuilder();
            var gyro = new StringBuilder();
            for (int i = 0; i < rows; i++)
            {
                acc.Append(accLine != null ? accLine(i) : "1.0180 -0.1236 0.1021").Append('\n');
                gyro.Append("0.0031 -0.0019 0.0008\n");
            }
            File("gyro_" + name + ".txt", gyro.ToString());
            return File("acc_" + name + ".txt", acc.ToString());
        }

        /// <summary>A 16 kHz mono 16-bit WAV of a quiet tone, seconds long.</summary>
        private static string Wav(string name, double seconds)
        {
            int n = (int)(seconds * 16000);
            string path = Path.Combine(Dir, name);
            using (var w = new BinaryWriter(System.IO.File.Create(path)))
            {
                w.Write(Encoding.ASCII.GetBytes("RIFF"));
                w.Write(36 + 2 * n);
                w.Write(Encoding.ASCII.GetBytes("WAVEfmt "));
                w.Write(16);
                w.Write((short)1);
                w.Write((short)1);
                w.Write(16000);
                w.Write(32000);
                w.Write((short)2);
                w.Write((short)16);
                w.Write(Encoding.ASCII.GetBytes("data"));
                w.Write(2 * n);
                var block = new byte[2 * 16000];
                for (int i = 0; i < 16000; i++)
                {
                    short v = (short)(800 * Math.Sin(2 * Math.PI * 440 * i / 16000.0));
                    block[2 * i] = (byte)v;
                    block[2 * i + 1] = (byte)(v >> 8);
                }
                for (int left = 2 * n; left > 0; left -= block.Length)
                {
                    w.Write(block, 0, Math.Min(left, block.Length));
                }
            }
            return path;
        }

        // ---- the table's rows ------------------------------------------------------------------------

        [TestMethod]
        public void AModelFileThatIsAFolderOrAMissingImuIsAClearInputError()
        {
            CliRun r = Run("replay", "--har-model", Dir, "--imu", Imu("ok", 200));
            Assert.AreEqual(HostCli.ExitInput, r.Code, r.All());
            Assert.Contains(Dir + ": is a folder, not a file", r.Error, r.All());
            Assert.AreEqual("", r.Serial, "nothing replayed");

            string missing = Path.Combine(Dir, "nowhere", "acc_exp01_user01.txt");
            r = Run("replay", "--har-model", Har, "--imu", missing);
            Assert.AreEqual(HostCli.ExitInput, r.Code, r.All());
            Assert.Contains(missing + ": no such file", r.Error, r.All());

            r = Run("replay", "--har-model", Har, "--imu", Dir);
            Assert.AreEqual(HostCli.ExitInput, r.Code, r.All());
            Assert.Contains(Dir + ": is a folder", r.Error, r.All());
        }

        [TestMethod]
        public void AnAllZeroOrRandom50MbModelIsRefusedByTheEngineNotAsAnotherTask()
        {
            string imu = Imu("ok", 200);
            string zeros = File("zeros.mnm", new byte[50 << 20]);
            CliRun r = Run("replay", "--har-model", zeros, "--imu", imu);
            Assert.AreEqual(HostCli.ExitModel, r.Code, r.All());
            Assert.Contains("MN1 ERR t=0 src=HAR code=3 msg=not a MambaNano model file", r.Serial, r.All());
            Assert.IsFalse(r.Serial.Contains("another task"), r.All());

            var random = new byte[50 << 20];
            new Random(14).NextBytes(random);
            r = Run("replay", "--har-model", File("random.mnm", random), "--imu", imu);
            Assert.AreEqual(HostCli.ExitModel, r.Code, r.All());
            Assert.Contains("src=HAR code=3 msg=", r.Serial, r.All());
        }

        [TestMethod]
        public void AModelThatFailsToLoadExitsNonZeroWithTaskOff()
        {
            // A KWS file given as the HAR model: valid, so the engine's check passes, then the app's
            // own code for a file of the other task; HAR is OFF and the exit code says it.
            CliRun r = Run("replay", "--har-model", Kws, "--imu", Imu("ok", 300));
            Assert.AreEqual(HostCli.ExitModel, r.Code, r.All());
            Assert.Contains("MN1 ERR t=0 src=HAR code=96 msg=model file is for another task (KWS)", r.Serial, r.All());
            Assert.Contains("MN1 STATUS t=0 src=HAR state=OFF detail=load_failed", r.Serial, r.All());
            Assert.Contains(Kws + ": the HAR model did not load", r.Error, r.All());
            Assert.IsFalse(r.Serial.Contains("MN1 PRED"), r.All());

            // One of two failing: the other task runs the replay through, and the exit is still 3.
            r = Run("replay", "--har-model", Har, "--kws-model", Har, "--imu", Imu("ok", 300),
                "--wav", Wav("tone.wav", 2));
            Assert.AreEqual(HostCli.ExitModel, r.Code, r.All());
            Assert.Contains("src=KWS state=OFF detail=load_failed", r.Serial, r.All());
            Assert.Contains(FirstHarPrediction, r.Serial, r.All());
        }

        [TestMethod]
        public void NanOrInfinityInAnImuFileIsRefusedWithFileAndLine()
        {
            string acc = Imu("nan", 300, i => i == 99 ? "NaN -0.1236 0.1021" : "1.0180 -0.1236 0.1021");
            CliRun r = Run("replay", "--har-model", Har, "--imu", acc);
            Assert.AreEqual(HostCli.ExitInput, r.Code, r.All());
            Assert.Contains(acc + ":100: column 1: 'NaN' is not a finite number", r.Error, r.All());
            Assert.AreEqual("", r.Serial, "refused before the first line");

            acc = Imu("inf", 300, i => i == 4 ? "1.0 -Infinity 0.1" : "1.0180 -0.1236 0.1021");
            r = Run("replay", "--har-model", Har, "--imu", acc);
            Assert.AreEqual(HostCli.ExitInput, r.Code, r.All());
            Assert.Contains(acc + ":5: column 2: '-Infinity' is not a finite number", r.Error, r.All());
        }

        [TestMethod]
        public void AnImuFileWithoutTheAccPrefixNeedsItsGyroscopeNamed()
        {
            string acc = Imu("exp01_user01", 300);
            string renamed = Path.Combine(Dir, "walk.txt");
            System.IO.File.Copy(acc, renamed);
            CliRun r = Run("replay", "--har-model", Har, "--imu", renamed);
            Assert.AreEqual(HostCli.ExitUsage, r.Code, r.All());
            Assert.Contains("--imu " + renamed + ": the file name does not start with 'acc_'", r.Error, r.All());
            Assert.Contains("--gyro FILE", r.Error, r.All());

            r = Run("replay", "--har-model", Har, "--imu", renamed, "--gyro", renamed);
            Assert.AreEqual(HostCli.ExitUsage, r.Code, r.All());
            Assert.Contains("the accelerometer and gyroscope files are the same file", r.Error, r.All());

            r = Run("replay", "--har-model", Har, "--imu", renamed,
                "--gyro", Path.Combine(Dir, "gyro_exp01_user01.txt"));
            Assert.AreEqual(HostCli.ExitOk, r.Code, r.All());
            Assert.Contains(FirstHarPrediction, r.Serial, r.All());

            string shorter = Imu("short", 299);
            r = Run("replay", "--har-model", Har, "--imu", renamed, "--gyro", Path.Combine(Dir, "gyro_short.txt"));
            Assert.AreEqual(HostCli.ExitInput, r.Code, r.All());
            Assert.Contains("300 accelerometer rows but 299 in its gyroscope file", r.Error, r.All());
            Assert.IsNotNull(shorter);
        }

        [TestMethod]
        public void ANonNumericImuValueNamesFileLineAndColumn()
        {
            string acc = Imu("text", 300, i => i == 199 ? "1.0 abc 0.1" : "1.0180 -0.1236 0.1021");
            CliRun r = Run("replay", "--har-model", Har, "--imu", acc);
            Assert.AreEqual(HostCli.ExitInput, r.Code, r.All());
            Assert.Contains(acc + ":200: column 2: 'abc' is not a number", r.Error, r.All());

            acc = Imu("cols", 300, i => i == 9 ? "1.0 0.5" : "1.0180 -0.1236 0.1021");
            r = Run("replay", "--har-model", Har, "--imu", acc);
            Assert.AreEqual(HostCli.ExitInput, r.Code, r.All());
            Assert.Contains(acc + ":10: expected 3 numbers, got 2 values", r.Error, r.All());

            var binary = new byte[10000];
            System.IO.File.WriteAllBytes(Path.Combine(Dir, "gyro_bin.txt"), binary);
            r = Run("replay", "--har-model", Har, "--imu", File("acc_bin.txt", binary));
            Assert.AreEqual(HostCli.ExitInput, r.Code, r.All());
            Assert.Contains("acc_bin.txt:1: line longer than 4096 bytes", r.Error, r.All());
        }

        [TestMethod]
        public void AWavHeaderCutShortOrAShortFmtChunkNamesFileAndByte()
        {
            byte[] good = System.IO.File.ReadAllBytes(Wav("good.wav", 1));
            foreach (int n in new[] { 20, 24, 30 })
            {
                string cut = File($"cut{n}.wav", good.AsSpan(0, n).ToArray());
                CliRun r = Run("replay", "--kws-model", Kws, "--wav", cut);
                Assert.AreEqual(HostCli.ExitInput, r.Code, r.All());
                Assert.Contains($"{cut}: byte 20: fmt chunk cut short: {n - 20} of its 16 bytes", r.Error, r.All());
                Assert.AreEqual("", r.Serial);
            }
            string header = File("cut10.wav", good.AsSpan(0, 10).ToArray());
            CliRun h = Run("replay", "--kws-model", Kws, "--wav", header);
            Assert.AreEqual(HostCli.ExitInput, h.Code, h.All());
            Assert.Contains(header + ": 10 bytes: too short for a RIFF/WAVE header", h.Error, h.All());

            byte[] shortFmt = (byte[])good.Clone();
            shortFmt[16] = 14; // fmt chunk size 14 < 16
            string path = File("shortfmt.wav", shortFmt);
            h = Run("replay", "--kws-model", Kws, "--wav", path);
            Assert.AreEqual(HostCli.ExitInput, h.Code, h.All());
            Assert.Contains(path + ": byte 12: fmt chunk of 14 bytes: PCM needs 16", h.Error, h.All());

            byte[] stereo = (byte[])good.Clone();
            stereo[22] = 2;
            path = File("stereo.wav", stereo);
            h = Run("replay", "--kws-model", Kws, "--wav", path);
            Assert.AreEqual(HostCli.ExitInput, h.Code, h.All());
            Assert.Contains(path + ": byte 22: 2 channel(s) of 16 bits", h.Error, h.All());
        }

        [TestMethod]
        public void ALongWavIsReadAHopAtATime()
        {
            // Managed allocation of a replay must not grow with the file: 1 min and 10 min of audio
            // allocate about the same (the 60 min max-RSS figure is tools/python/mambanano/bench_replay_memory.py).
            string one = Wav("one.wav", 60);
            string ten = Wav("ten.wav", 600);
            long before = GC.GetAllocatedBytesForCurrentThread();
            CliRun r = Run("replay", "--kws-model", Kws, "--wav", one);
            long allocOne = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.AreEqual(HostCli.ExitOk, r.Code, r.All());
            Assert.Contains("MN1 STATUS t=60500 src=MIC state=END", r.Serial, r.All());
            before = GC.GetAllocatedBytesForCurrentThread();
            r = Run("replay", "--kws-model", Kws, "--wav", ten);
            long allocTen = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.AreEqual(HostCli.ExitOk, r.Code, r.All());
            Assert.Contains("MN1 STATUS t=600500 src=MIC state=END", r.Serial, r.All());
            long file = new FileInfo(ten).Length;
            OutputHelper.WriteLine($"    1 min: {allocOne} B allocated, 10 min ({file} B file): {allocTen} B");
            Assert.IsTrue(allocTen < allocOne + (1 << 20), $"10 min allocated {allocTen} B, 1 min {allocOne} B");
            Assert.IsTrue(allocTen < file / 20, $"{allocTen} B allocated for a {file} B file");
        }

        [TestMethod]
        public void OutOfRangeNumbersAreUsageErrorsNotCrashes()
        {
            string imu = Imu("ok", 100);
            CliRun r = Run("replay", "--imu-rate", "99999999999", "--imu", imu);
            Assert.AreEqual(HostCli.ExitUsage, r.Code, r.All());
            Assert.Contains("--imu-rate 99999999999: expected a whole number in [1, 10000]", r.Error, r.All());
            r = Run("replay", "--gap-ms", "99999999999", "--imu", imu);
            Assert.AreEqual(HostCli.ExitUsage, r.Code, r.All());
            Assert.Contains("--gap-ms 99999999999: expected a whole number in [0, 600000]", r.Error, r.All());
            foreach (string[] bad in new[]
            {
                new[] { "--kws-threshold", "0" }, new[] { "--kws-threshold", "x" }, new[] { "--har-smoothing", "0" },
                new[] { "--har-smoothing", "65" }, new[] { "--max-seconds", "NaN" },
                new[] { "--max-seconds", "-1" }, new[] { "--imu-fault", "dropout:1e300:1" },
                new[] { "--mic-fault", "clip:5" },
                new[] { "--imu-fault", "stuck:5:0" }, new[] { "--frobnicate" },
            })
            {
                var args = new List<string> { "replay", "--imu", imu };
                args.AddRange(bad);
                r = Run(args.ToArray());
                Assert.AreEqual(HostCli.ExitUsage, r.Code, string.Join(" ", bad) + "\n" + r.All());
                Assert.Contains("Try 'mambanano-host replay --help'.", r.Error, r.All());
            }
            r = Run("replay", "--har-model", Har);
            Assert.AreEqual(HostCli.ExitUsage, r.Code, r.All());
            Assert.Contains("nothing to replay: give --imu and/or --wav", r.Error, r.All());
        }

        [TestMethod]
        public void DevZeroAsAWavIsRefusedAtOnce()
        {
            CliRun r = Run("replay", "--kws-model", Kws, "--wav", "/dev/zero");
            Assert.AreEqual(HostCli.ExitInput, r.Code, r.All());
            Assert.Contains("/dev/zero: not a RIFF/WAVE file", r.Error, r.All());
            r = Run("replay", "--kws-model", "/dev/zero", "--wav", Wav("tone.wav", 1));
            Assert.AreEqual(HostCli.ExitInput, r.Code, r.All());
            Assert.Contains("/dev/zero: more than 64 MiB: not a model file", r.Error, r.All());
        }

        [TestMethod]
        public void AValidModelWith50MbAppendedIsRefused()
        {
            byte[] model = System.IO.File.ReadAllBytes(Har);
            var appended = new byte[model.Length + (50 << 20)];
            Array.Copy(model, appended, model.Length);
            CliRun r = Run("replay", "--har-model", File("appended.mnm", appended), "--imu", Imu("ok", 300));
            Assert.AreEqual(HostCli.ExitModel, r.Code, r.All());
            Assert.Contains(
                "MN1 ERR t=0 src=HAR code=18 msg=bytes after the length its header gives (garbage appended)",
                r.Serial, r.All());
            Assert.Contains("src=HAR state=OFF detail=load_failed", r.Serial, r.All());
        }

        // ---- the commands behave as documented ------------------------------------------------------

        [TestMethod]
        public void HelpWorksOnEveryVerb()
        {
            foreach (string[] args in new[]
            {
                new[] { "--help" }, new[] { "replay", "--help" }, new[] { "compare", "--help" },
                new[] { "parse-log", "--help" },
                new[] { "parse-log", "-h" },
            })
            {
                CliRun r = Run(args);
                Assert.AreEqual(HostCli.ExitOk, r.Code, string.Join(" ", args) + "\n" + r.All());
                Assert.Contains("Usage:", r.Output, r.All());
                Assert.AreEqual("", r.Error, r.All());
            }
            Assert.Contains("Exit codes: 0 ok", Run("--help").Output);
            Assert.Contains("--record-input <DIR>", Run("replay", "--help").Output);
            CliRun none = Run();
            Assert.AreEqual(HostCli.ExitUsage, none.Code, none.All());
        }

        [TestMethod]
        public void CompareSkipsUnknownKeysAndUsAndSaysSame()
        {
            string a = File("a.log",
                "MN1 START t=0 app=1.0.0 board=X\nMN1 PRED t=20 task=KWS label=yes conf=0.900 us=10\n");
            string b = File("b.log",
                "boot\nMN1 START t=0 app=1.0.0 board=X fw=2\n"
                + "MN1 PRED t=20 task=KWS label=yes conf=0.900 us=99 rssi=-40\n");
            CliRun r = Run("compare", a, b);
            Assert.AreEqual(HostCli.ExitOk, r.Code, r.All());
            Assert.StartsWith("same: 2 records", r.Output.Trim());
            string c = File("c.log",
                "MN1 START t=0 app=1.0.0 board=X\nMN1 PRED t=20 task=KWS label=no conf=0.900 us=10\n");
            r = Run("compare", a, c);
            Assert.AreEqual(HostCli.ExitDiffer, r.Code, r.All());
            Assert.Contains("differ: 1 of 2 records", r.Output, r.All());
            r = Run("compare", a, Path.Combine(Dir, "missing.log"));
            Assert.AreEqual(HostCli.ExitInput, r.Code, r.All());
            Assert.Contains("missing.log: no such file", r.Error, r.All());
        }

        [TestMethod]
        public void ParseLogReportsABrokenLineWithItsNumber()
        {
            string log = File("p.log",
                "MN1 START t=0 app=1.0.0 board=X\nnoise\nMN1 PRED task=HAR\n"
                + "MN1 PRED t=1 task=HAR label=A conf=0.5 us=1\n");
            CliRun r = Run("parse-log", log);
            Assert.AreEqual(HostCli.ExitDiffer, r.Code, r.All());
            Assert.Contains(log + ":3: no t=<milliseconds>", r.Error, r.All());
            Assert.Contains("PRED HAR: 1", r.Output, r.All());
            Assert.Contains("2 records, 1 lines break the protocol", r.Output, r.All());
        }

        [TestMethod]
        public void ProtocolDocumentAndOutputAgree()
        {
            // The table's keys per kind are the ones compare reads; every key the app prints (here a
            // replay with a wrong-task model, a fault and both tasks) is in the table; the codes and
            // states the app uses for a refused model are documented.
            string doc = System.IO.File.ReadAllText(Path.Combine(Repo, "MambaNano/PROTOCOL.md"));
            var table = new Dictionary<string, string[]>();
            foreach (string line in doc.Split('\n'))
            {
                string[] cells = line.Split('|');
                if (cells.Length >= 4 && cells[1].Trim().StartsWith("`", StringComparison.Ordinal)
                    && cells[1].Trim() != "`t`")
                {
                    var keys = new List<string>();
                    foreach (string part in cells[2].Split('`'))
                    {
                        string k = part.Trim();
                        if (k.Length > 0 && k != "," && k != "[" && k != "]" && k != ", [" && k != "],"
                            && char.IsLetter(k[0]))
                        {
                            keys.Add(k);
                        }
                    }
                    table[cells[1].Trim().Trim('`')] = keys.ToArray();
                }
            }
            Assert.AreEqual(SerialRecord.ProtocolKeys.Count, table.Count, string.Join(",", table.Keys));
            foreach (var kv in SerialRecord.ProtocolKeys)
            {
                Assert.AreEqual(string.Join(",", kv.Value), string.Join(",", table[kv.Key]), kv.Key);
            }
            CliRun r = Run("replay", "--har-model", Har, "--kws-model", Har, "--imu", Imu("ok", 400),
                "--wav", Wav("tone.wav", 3), "--imu-fault", "dropout:2:1");
            Assert.AreEqual(HostCli.ExitModel, r.Code, r.All());
            foreach (string line in r.Serial.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                SerialRecord rec = SerialLog.Parse(line);
                Assert.IsTrue(table.ContainsKey(rec.Kind), line);
                foreach (string key in rec.Fields.Keys)
                {
                    Assert.IsTrue(Array.IndexOf(table[rec.Kind], key) >= 0,
                        $"key {key} of '{line}' is not in PROTOCOL.md");
                }
            }
            Assert.Contains("code=96 msg=model file is for another task (HAR)", r.Serial, r.All());
            Assert.Contains("or 96, the app's own: a valid model file of the other task", doc);
            Assert.Contains("`detail=load_failed`", doc);
            Assert.Contains("81 input of a kind this slot's model does not take", doc);
            Assert.AreEqual(96, Protocol.CodeWrongTask);
        }

        [TestMethod]
        public void RecordInputWritesBothRecordingsAndCreatesTheFolder()
        {
            string dir = Path.Combine(Dir, "rec", "sub");
            CliRun r = Run("replay", "--har-model", Har, "--kws-model", Kws, "--imu", Imu("ok", 200),
                "--wav", Wav("tone.wav", 1), "--max-seconds", "2", "--record-input", dir);
            Assert.AreEqual(HostCli.ExitOk, r.Code, r.All());
            Assert.IsTrue(System.IO.File.Exists(Path.Combine(dir, "imu_input.mnrec")));
            Assert.IsTrue(new FileInfo(Path.Combine(dir, "mic_input.mnrec")).Length > 32000,
                "a second of audio recorded");
        }
    }
}
