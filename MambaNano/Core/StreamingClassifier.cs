using System.Diagnostics;
using MambaNano.Interop;

namespace MambaNano
{
    /// <summary>
    /// A model slot driven as sliding windows (<see cref="WindowScheduler"/>): after each input
    /// frame the caller passes the push status and its native time; when a window completes, its
    /// class probabilities are read and <see cref="Scored"/> is set. Errors go to the serial line
    /// once per distinct status, not once per frame. No allocation after construction.
    /// </summary>
    public sealed class StreamingClassifier
    {
        private readonly ModelSlot _model;
        private readonly WindowScheduler _scheduler;
        private readonly Protocol _protocol;
        private readonly string _source;
        private readonly int[] _probs = new int[ModelCodes.MaxClasses];
        private long _ticks;
        private int _framesTimed;
        private int _reportedError;
        private bool _running;

        public StreamingClassifier(ModelSlot model, WindowScheduler scheduler, Protocol protocol, string source)
        {
            _model = model;
            _scheduler = scheduler;
            _protocol = protocol;
            _source = source;
        }

        public ModelSlot Model => _model;

        public WindowScheduler Scheduler => _scheduler;

        /// <summary>True between a successful Start and a fault that stops it.</summary>
        public bool Running => _running;

        /// <summary>Set by the last frame that completed a window.</summary>
        public bool Scored;

        /// <summary>Q15 probabilities of the last scored window (ClassCount valid).</summary>
        public int[] Probabilities => _probs;

        /// <summary>Mean native microseconds per frame over the frames since the last score.</summary>
        public int StepMicros;

        /// <summary>(Re)start at the source's real rate: every stream reset. False (and an ERR line)
        /// if the model is not loaded or the front-end refuses the rate; the slot is unchanged.</summary>
        public bool Start(long tMs, int sampleRateHz)
        {
            _running = false;
            if (!_model.IsLoaded)
            {
                return false;
            }
            int status = _model.Start(sampleRateHz);
            if (status != EngineStatus.Ok)
            {
                _protocol.Error(tMs, _source, status, ModelSlot.StatusMessage(status));
                return false;
            }
            _scheduler.Restart();
            _ticks = 0;
            _framesTimed = 0;
            _reportedError = EngineStatus.Ok;
            _running = true;
            return true;
        }

        /// <summary>Timestamp for <see cref="AfterPush"/>.</summary>
        public static long Now() => Stopwatch.GetTimestamp();

        /// <summary>Account for one pushed frame: status of the push, Stopwatch timestamp taken just
        /// before it. Sets <see cref="Scored"/> when a window completed.</summary>
        public void AfterPush(long tMs, int status, long startTimestamp)
        {
            Scored = false;
            _ticks += Stopwatch.GetTimestamp() - startTimestamp;
            _framesTimed++;
            if (status != EngineStatus.Ok)
            {
                if (status != _reportedError)
                {
                    _protocol.Error(tMs, _source, status, ModelSlot.StatusMessage(status));
                    _reportedError = status;
                }
                return;
            }
            _reportedError = EngineStatus.Ok;
            bool read;
            int stream = _scheduler.Advance(out read);
            if (stream < 0)
            {
                return;
            }
            if (read)
            {
                if (_model.Read(stream, _probs) >= 0) // the argmax class, or a negative status
                {
                    StepMicros = (int)(_ticks * 1000000 / Stopwatch.Frequency / _framesTimed);
                    Scored = true;
                }
                _ticks = 0;
                _framesTimed = 0;
            }
            _model.Reset(stream);
        }

        /// <summary>Q15 probability to thousandths, rounded.</summary>
        public static int Milli(int q15) => (q15 * 1000 + 16384) >> 15;
    }
}
