using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace MambaNano.Host
{
    /// <summary>One parsed protocol line (MambaNano/PROTOCOL.md): "MN1 KIND t=.. key=value ...".</summary>
    public sealed class SerialRecord
    {
        public string Kind;
        public long TimeMs;
        public Dictionary<string, string> Fields = new Dictionary<string, string>(StringComparer.Ordinal);
        public int LineNumber;

        public string this[string key] => Fields.TryGetValue(key, out string v) ? v : null;

        /// <summary>The keys MambaNano/PROTOCOL.md defines for each kind (t apart), in its order.</summary>
        public static readonly Dictionary<string, string[]> ProtocolKeys =
            new Dictionary<string, string[]>(StringComparer.Ordinal)
            {
                ["START"] = new[] { "app", "board" },
                ["MODEL"] = new[] { "task", "crc", "bytes", "classes", "streams", "state" },
                ["PRED"] = new[] { "task", "label", "conf", "us" },
                ["STATUS"] = new[] { "src", "state", "detail" },
                ["ERR"] = new[] { "src", "code", "msg" },
            };

        /// <summary>The line as logs are compared: kind, t and the protocol's keys of that kind in
        /// the protocol's order, without us; unknown keys are skipped, as PROTOCOL.md tells readers
        /// to (a record of an unknown kind compares by kind and t).</summary>
        public string Comparable()
        {
            var parts = new List<string> { Kind, "t=" + TimeMs.ToString(CultureInfo.InvariantCulture) };
            if (ProtocolKeys.TryGetValue(Kind, out string[] keys))
            {
                foreach (string key in keys)
                {
                    // us (native time per frame) differs between a board and a PC by nature
                    if (key != "us" && Fields.TryGetValue(key, out string value))
                    {
                        parts.Add(key + "=" + value);
                    }
                }
            }
            return string.Join(" ", parts);
        }
    }

    /// <summary>Reads the protocol from a serial capture: a device log (other text on the line is
    /// skipped) or the host runner's output.</summary>
    public static class SerialLog
    {
        /// <summary>Fields whose value runs to the end of the line (free text).</summary>
        private static readonly string[] TextFields = { "msg", "detail" };

        /// <summary>The record on this line, or null if it holds no MN1 line. Throws
        /// FormatException for an MN1 line that breaks the protocol.</summary>
        public static SerialRecord Parse(string line, int lineNumber = 0)
        {
            int start = line.IndexOf(Protocol.Prefix + " ", StringComparison.Ordinal);
            if (start < 0)
            {
                return null;
            }
            string rest = line.Substring(start + Protocol.Prefix.Length + 1).TrimEnd('\r', '\n');
            var record = new SerialRecord { LineNumber = lineNumber };
            int space = rest.IndexOf(' ');
            record.Kind = space < 0 ? rest : rest.Substring(0, space);
            string fields = space < 0 ? "" : rest.Substring(space + 1);
            while (fields.Length > 0)
            {
                int eq = fields.IndexOf('=');
                if (eq <= 0)
                {
                    throw new FormatException($"line {lineNumber}: expected key=value in '{fields}'");
                }
                string key = fields.Substring(0, eq);
                string value;
                if (Array.IndexOf(TextFields, key) >= 0)
                {
                    value = fields.Substring(eq + 1);
                    fields = "";
                }
                else
                {
                    int end = fields.IndexOf(' ', eq);
                    value = end < 0 ? fields.Substring(eq + 1) : fields.Substring(eq + 1, end - eq - 1);
                    fields = end < 0 ? "" : fields.Substring(end + 1);
                }
                record.Fields[key] = value;
            }
            if (!record.Fields.TryGetValue("t", out string t) ||
                !long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out record.TimeMs))
            {
                throw new FormatException($"line {lineNumber}: no t=<milliseconds>");
            }
            record.Fields.Remove("t");
            return record;
        }

        public static List<SerialRecord> Read(TextReader reader)
        {
            return new List<SerialRecord>(Records(reader));
        }

        /// <summary>The records of a capture one at a time (memory independent of its length).</summary>
        public static IEnumerable<SerialRecord> Records(TextReader reader)
        {
            string line;
            int n = 0;
            while ((line = reader.ReadLine()) != null)
            {
                n++;
                SerialRecord r = Parse(line, n);
                if (r != null)
                {
                    yield return r;
                }
            }
        }

        /// <summary>Differences between two logs of the same input (a board's and the host's),
        /// ignoring the us field and unknown keys; empty when they agree.</summary>
        public static List<string> Compare(List<SerialRecord> a, List<SerialRecord> b)
        {
            return Compare(a, b, out _, out _, out _);
        }

        /// <summary>Two record sequences compared in step (captures of any length, memory bounded):
        /// the first 20 differences, the records of each and how many records differ.</summary>
        public static List<string> Compare(IEnumerable<SerialRecord> a, IEnumerable<SerialRecord> b,
                                           out long countA, out long countB, out long differing)
        {
            var diffs = new List<string>();
            countA = countB = differing = 0;
            using IEnumerator<SerialRecord> x = a.GetEnumerator();
            using IEnumerator<SerialRecord> y = b.GetEnumerator();
            while (true)
            {
                bool hasX = x.MoveNext(), hasY = y.MoveNext();
                if (!hasX && !hasY)
                {
                    break;
                }
                countA += hasX ? 1 : 0;
                countB += hasY ? 1 : 0;
                string cx = hasX ? x.Current.Comparable() : "(end)";
                string cy = hasY ? y.Current.Comparable() : "(end)";
                if (cx != cy)
                {
                    differing++;
                    if (diffs.Count < 20)
                    {
                        diffs.Add($"record {Math.Max(countA, countB)}: {cx}  <>  {cy}");
                    }
                }
            }
            return diffs;
        }
    }
}
