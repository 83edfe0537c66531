namespace MambaNano
{
    /// <summary>Where the app's serial lines go: a UART on the device, stdout on the host.</summary>
    public interface ILineSink
    {
        /// <summary>Write <paramref name="count"/> bytes of one complete line (ending in '\n').</summary>
        void WriteLine(byte[] line, int count);
    }

    /// <summary>
    /// The serial line protocol, version 1 (MambaNano/PROTOCOL.md): one ASCII line per event,
    /// "MN1 KIND key=value ...", time t in milliseconds of input time (samples since start, so a
    /// board and the host runner print the same t for the same input). Formatting does not allocate.
    /// </summary>
    public sealed class Protocol
    {
        public const string Prefix = "MN1";
        public const string AppVersion = "1.0.0";

        // Line kinds.
        public const string KindStart = "START";
        public const string KindModel = "MODEL";
        public const string KindPrediction = "PRED";
        public const string KindStatus = "STATUS";
        public const string KindError = "ERR";

        // Task names, as in PRED and MODEL lines, and the source of a task's STATUS and ERR lines.
        public const string TaskHar = "HAR";
        public const string TaskKws = "KWS";

        // The other sources of STATUS and ERR lines.
        public const string SourceImu = "IMU";
        public const string SourceMic = "MIC";
        public const string SourceApp = "APP";

        /// <summary>ERR code of an app-level refusal, not an engine status: a valid model file of the
        /// other task (HAR file for KWS or the reverse). Engine statuses stay below 96.</summary>
        public const int CodeWrongTask = 96;

        /// <summary>STATUS detail of a task whose model failed to load (state OFF).</summary>
        public const string DetailLoadFailed = "load_failed";

        private readonly ILineSink _sink;
        private readonly LineWriter _line = new LineWriter();

        public Protocol(ILineSink sink)
        {
            _sink = sink;
        }

        /// <summary>MN1 START t=0 app=1.0.0 board=...</summary>
        public void Start(long tMs, string board)
        {
            Begin(KindStart, tMs);
            Field("app", AppVersion);
            Field("board", board);
            Send();
        }

        /// <summary>MN1 MODEL t=.. task=HAR crc=1A2B3C4D bytes=22176 classes=6 streams=2 state=1352</summary>
        public void Model(long tMs, string task, ModelSlot model)
        {
            Begin(KindModel, tMs);
            Field("task", task);
            _line.Append(" crc=");
            _line.AppendHex(model.ModelCrc);
            Field("bytes", model.FileBytes);
            Field("classes", model.ClassCount);
            Field("streams", model.Streams);
            Field("state", model.StateBytes);
            Send();
        }

        /// <summary>MN1 PRED t=2560 task=HAR label=WALKING conf=0.934 us=412
        /// (conf in thousandths; us: mean native time per input frame, microseconds).</summary>
        public void Prediction(long tMs, string task, string label, int confidenceMilli, int stepMicros)
        {
            Begin(KindPrediction, tMs);
            Field("task", task);
            Field("label", label);
            _line.Append(" conf=");
            _line.AppendMilli(confidenceMilli);
            Field("us", stepMicros);
            Send();
        }

        /// <summary>MN1 STATUS t=.. src=MIC state=SILENT [detail=...]</summary>
        public void Status(long tMs, string source, string state, string detail)
        {
            Begin(KindStatus, tMs);
            Field("src", source);
            Field("state", state);
            if (detail != null)
            {
                Field("detail", detail);
            }
            Send();
        }

        /// <summary>MN1 ERR t=.. src=KWS code=5 msg=free text to the end of the line</summary>
        public void Error(long tMs, string source, int code, string message)
        {
            Begin(KindError, tMs);
            Field("src", source);
            Field("code", code);
            Field("msg", message);
            Send();
        }

        private void Begin(string kind, long tMs)
        {
            _line.Clear();
            _line.Append(Prefix);
            _line.Append(' ');
            _line.Append(kind);
            _line.Append(" t=");
            _line.Append(tMs);
        }

        private void Field(string key, string value)
        {
            _line.Append(' ');
            _line.Append(key);
            _line.Append('=');
            _line.Append(value);
        }

        private void Field(string key, long value)
        {
            _line.Append(' ');
            _line.Append(key);
            _line.Append('=');
            _line.Append(value);
        }

        private void Send()
        {
            _line.EndLine();
            _sink.WriteLine(_line.Buffer, _line.Length);
        }
    }
}
