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

        /// <summary>The line without the fields that differ between a board and a PC by nature
        /// (us: native time per frame), for comparing logs.</summary>
        public string Comparable()
        {
            var parts = new List<string> { Kind, "t=" + TimeMs.ToString(CultureInfo.InvariantCulture) };
            foreach (var kv in Fields)
            {
                if (kv.Key != "us")
                {
                    parts.Add(kv.Key + "=" + kv.Value);
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
            var records = new List<SerialRecord>();
            string line;
            int n = 0;
            while ((line = reader.ReadLine()) != null)
            {
                n++;
                SerialRecord r = Parse(line, n);
                if (r != null)
                {
                    records.Add(r);
                }
            }
            return records;
        }

        /// <summary>Differences between two logs of the same input (a board's and the host's),
        /// ignoring the us field; empty when they agree.</summary>
        public static List<string> Compare(List<SerialRecord> a, List<SerialRecord> b)
        {
            var diffs = new List<string>();
            int n = Math.Max(a.Count, b.Count);
            for (int i = 0; i < n && diffs.Count < 20; i++)
            {
                string x = i < a.Count ? a[i].Comparable() : "(end)";
                string y = i < b.Count ? b[i].Comparable() : "(end)";
                if (x != y)
                {
                    diffs.Add($"record {i + 1}: {x}  <>  {y}");
                }
            }
            return diffs;
        }
    }
}
