using MambaNano.Interop;

namespace MambaNano
{
    /// <summary>
    /// The app, platform-free: one <see cref="Tick"/> is 20 ms of input time, one 320-sample
    /// audio hop (KWS) and one 50 Hz IMU sample (HAR), each handed to the native engine. The
    /// device paces ticks by the I2S read (it blocks until a hop is there); the host runner ticks
    /// as fast as its files allow. Everything is allocated in the constructor and Begin; Tick does
    /// not allocate, except on fault paths (error text).
    /// Faults (a missing or failing sensor, a model that does not load, a refused sample rate) are
    /// reported on the serial line; the rest keeps running, and a lost sensor is retried every second.
    /// </summary>
    public sealed class MambaNanoApp
    {
        public const int TickMs = 20;
        public const int HopSamples = 320;
        public const int HarSlot = 0;
        public const int KwsSlot = 1;

        private const int RetryTicks = 50;            // 1 s between reconnect attempts
        private const int SilentMeanAbs = 2;          // counts: below this a hop is silence
        private const int ClippedPerHop = 4;          // rail hits in a hop (>= 1.25 %) that count as clipping

        private readonly Protocol _protocol;
        private readonly IImuSource _imu;
        private readonly IAudioSource _mic;
        private readonly StreamingClassifier _har;
        private readonly StreamingClassifier _kws;
        private readonly KwsDetector _detector;
        private PosteriorAverage _harAverage = new PosteriorAverage(BoardConfig.HarSmoothingWindows);
        private readonly ImuSample _sample = new ImuSample();
        private readonly short[] _lastCounts = new short[6];
        private readonly int[] _lastPhysical = new int[6];
        private readonly byte[] _hop;
        private readonly ConditionMonitor _imuStuck = new ConditionMonitor(50, 1);
        private readonly ConditionMonitor _imuSaturated = new ConditionMonitor(10, 10);
        private readonly ConditionMonitor _micSilent = new ConditionMonitor(100, 5);
        private readonly ConditionMonitor _micClipped = new ConditionMonitor(25, 50);
        private long _ticks;
        private const int NotConnected = -1;
        private int _imuState = NotConnected;
        private int _micState = NotConnected;
        private int _imuRetry;
        private int _micRetry;

        /// <param name="protocol">where lines go</param>
        /// <param name="imu">the IMU, or null if this build/run has none</param>
        /// <param name="mic">the microphone, or null if this build/run has none</param>
        public MambaNanoApp(Protocol protocol, IImuSource imu, IAudioSource mic)
        {
            _protocol = protocol;
            _imu = imu;
            _mic = mic;
            _har = new StreamingClassifier(new ModelSlot(HarSlot),
                new WindowScheduler(BoardConfig.HarWindowSamples, BoardConfig.HarStreams), protocol, Protocol.TaskHar);
            _kws = new StreamingClassifier(new ModelSlot(KwsSlot),
                new WindowScheduler(BoardConfig.KwsWindowHops, BoardConfig.KwsStreams), protocol, Protocol.TaskKws);
            _detector = new KwsDetector(BoardConfig.KwsSmoothingWindows, BoardConfig.KwsThresholdPermille,
                BoardConfig.KwsRefractoryMs);
            _hop = new byte[HopSamples * (mic == null ? 2 : mic.BytesPerSample)];
        }

        /// <summary>Input time of the next tick, milliseconds.</summary>
        public long TimeMs => _ticks * TickMs;

        public StreamingClassifier Har => _har;

        public StreamingClassifier Kws => _kws;

        /// <summary>The keyword decision logic (its threshold may be changed while running).</summary>
        public KwsDetector KwsDetector => _detector;

        /// <summary>HAR reports the class of the posteriors averaged over this many scored windows
        /// (nf.config har_smoothing_windows, >= 1). Setting it allocates and forgets the history:
        /// set it before <see cref="Begin(IModelFile, IModelFile)"/>.</summary>
        public int HarSmoothingWindows
        {
            get { return _harAverage.Windows; }
            set { _harAverage = new PosteriorAverage(value); }
        }

        /// <summary>True while the microphone paces the ticks (the device sleeps otherwise).</summary>
        public bool MicPaced => _micState == SensorStatus.Ok;

        /// <summary><see cref="Begin(IModelFile, IModelFile)"/> with model files' bytes.</summary>
        public void Begin(byte[] harModel, byte[] kwsModel) => Begin(ModelBytes.Of(harModel), ModelBytes.Of(kwsModel));

        /// <summary>Print START, load both models (either may be null: that task is off), connect
        /// the sensors and start the classifiers.</summary>
        public void Begin(IModelFile harModel, IModelFile kwsModel)
        {
            _protocol.Start(TimeMs, BoardConfig.Board);
            LoadModel(_har, harModel, BoardConfig.HarStreams, Protocol.TaskHar, ModelCodes.TaskHar);
            LoadModel(_kws, kwsModel, BoardConfig.KwsStreams, Protocol.TaskKws, ModelCodes.TaskKws);
            if (_imu != null)
            {
                ConnectImu();
            }
            if (_mic != null)
            {
                ConnectMic();
            }
        }

        /// <summary>Load a task's model: a MODEL line, or an ERR line and the task OFF.</summary>
        private void LoadModel(StreamingClassifier classifier, IModelFile file, int streams, string task, int taskCode)
        {
            ModelSlot model = classifier.Model;
            if (file == null)
            {
                _protocol.Status(TimeMs, task, "OFF", "no_model");
                return;
            }
            // The engine validates the whole file before any byte of it is read here (a check that
            // leaves the slot as it is); then a valid model of the other task is refused before it
            // is loaded.
            int status = model.Check(file);
            if (status == EngineStatus.Ok)
            {
                int fileTask = file.Task();
                if (fileTask != taskCode)
                {
                    _protocol.Error(TimeMs, task, Protocol.CodeWrongTask, "model file is for another task ("
                        + (fileTask == ModelCodes.TaskHar ? Protocol.TaskHar : Protocol.TaskKws) + ")");
                    _protocol.Status(TimeMs, task, "OFF", Protocol.DetailLoadFailed);
                    return;
                }
                status = model.Load(file, streams);
            }
            if (status != EngineStatus.Ok)
            {
                _protocol.Error(TimeMs, task, status, ModelSlot.StatusMessage(status));
                _protocol.Status(TimeMs, task, "OFF", Protocol.DetailLoadFailed);
                return;
            }
            _protocol.Model(TimeMs, task, model);
            if (taskCode == ModelCodes.TaskKws)
            {
                _detector.Begin(model.ClassNames);
            }
        }

        private void ConnectImu()
        {
            int status = _imu.Connect();
            SetImuState(status);
            if (status == SensorStatus.Ok)
            {
                _imuStuck.Clear();
                _imuSaturated.Clear();
                if (_har.Start(TimeMs, _imu.SampleRateHz))
                {
                    _harAverage.Begin(_har.Model.ClassCount);
                }
            }
        }

        private void ConnectMic()
        {
            int status = _mic.Connect();
            SetMicState(status);
            if (status == SensorStatus.Ok)
            {
                _micSilent.Clear();
                _micClipped.Clear();
                if (_kws.Start(TimeMs, _mic.SampleRateHz))
                {
                    _detector.Clear();
                }
            }
        }

        private void SetImuState(int status)
        {
            if (status == _imuState)
            {
                return;
            }
            ReportSensor(Protocol.SourceImu, status);
            _imuState = status;
        }

        private void SetMicState(int status)
        {
            if (status == _micState)
            {
                return;
            }
            ReportSensor(Protocol.SourceMic, status);
            _micState = status;
        }

        /// <summary>A sensor's state changed: STATUS for OK / END, ERR for a fault (printed once
        /// per change, not once per failed retry).</summary>
        private void ReportSensor(string source, int status)
        {
            if (status == SensorStatus.Ok || status == SensorStatus.End)
            {
                _protocol.Status(TimeMs, source, SensorStatus.Name(status), null);
            }
            else
            {
                _protocol.Error(TimeMs, source, status, SensorStatus.Name(status));
            }
        }

        /// <summary>One 20 ms tick. Returns false once every source present has ended (replays).</summary>
        public bool Tick()
        {
            if (_mic != null)
            {
                TickMic();
            }
            if (_imu != null)
            {
                TickImu();
            }
            _ticks++;
            bool imuLive = _imu != null && _imuState != SensorStatus.End;
            bool micLive = _mic != null && _micState != SensorStatus.End;
            return imuLive || micLive;
        }

        private void TickMic()
        {
            if (_micState == SensorStatus.End)
            {
                return;
            }
            if (_micState != SensorStatus.Ok)
            {
                if (++_micRetry >= RetryTicks)
                {
                    _micRetry = 0;
                    ConnectMic();
                }
                return;
            }
            int status = _mic.Read(_hop, _hop.Length);
            if (status != SensorStatus.Ok)
            {
                SetMicState(status);
                _micRetry = 0;
                return;
            }
            if (!_kws.Running)
            {
                return;
            }
            long start = StreamingClassifier.Now();
            int pushed = _kws.Model.PushPcm(_hop, _hop.Length, _mic.BytesPerSample);
            long tMs = TimeMs + TickMs;
            _kws.AfterPush(tMs, pushed, start);
            if (pushed == EngineStatus.Ok)
            {
                int[] signal = _kws.Model.Signal();
                Watch(_micSilent, signal[EngineSignal.MeanAbs] < SilentMeanAbs, tMs, Protocol.SourceMic, "SILENT");
                Watch(_micClipped, signal[EngineSignal.Clipped] >= ClippedPerHop, tMs, Protocol.SourceMic, "CLIPPED");
            }
            if (_kws.Scored && _detector.Update(tMs, _kws.Probabilities))
            {
                _protocol.Prediction(tMs, Protocol.TaskKws, _kws.Model.ClassNames[_detector.DetectedClass],
                    StreamingClassifier.Milli(_detector.DetectedQ15), _kws.StepMicros);
            }
        }

        private void TickImu()
        {
            if (_imuState == SensorStatus.End)
            {
                return;
            }
            if (_imuState != SensorStatus.Ok)
            {
                if (++_imuRetry >= RetryTicks)
                {
                    _imuRetry = 0;
                    ConnectImu();
                }
                return;
            }
            int status = _imu.Read(_sample);
            if (status != SensorStatus.Ok)
            {
                SetImuState(status);
                _imuRetry = 0;
                return;
            }
            long tMs = TimeMs + TickMs;
            WatchImu(tMs);
            if (!_har.Running)
            {
                return;
            }
            long start = StreamingClassifier.Now();
            int pushed = _sample.IsCounts
                ? _har.Model.PushImuCounts(_sample.Counts, _sample.AccelFullScaleG, _sample.GyroFullScaleDps)
                : _har.Model.PushImuPhysical(_sample.Physical);
            _har.AfterPush(tMs, pushed, start);
            if (_har.Scored)
            {
                _harAverage.Add(_har.Probabilities);
                int best = _harAverage.Best();
                _protocol.Prediction(tMs, Protocol.TaskHar, _har.Model.ClassNames[best],
                    StreamingClassifier.Milli(_harAverage.Sum(best) / _harAverage.Filled), _har.StepMicros);
            }
        }

        /// <summary>Stuck (every channel unchanged) and saturated (an accelerometer count at its rail,
        /// or a physical value at the front-end's clamp) IMU.</summary>
        private void WatchImu(long tMs)
        {
            bool same = true;
            bool rail = false;
            for (int i = 0; i < 6; i++)
            {
                if (_sample.IsCounts)
                {
                    short v = _sample.Counts[i];
                    same &= v == _lastCounts[i];
                    rail |= i < 3 && (v == short.MaxValue || v == short.MinValue);
                    _lastCounts[i] = v;
                }
                else
                {
                    int v = _sample.Physical[i];
                    same &= v == _lastPhysical[i];
                    rail |= i < 3 ? v >= ModelCodes.ImuAccLimitMg || v <= -ModelCodes.ImuAccLimitMg
                                  : v >= ModelCodes.ImuGyroLimitMradS || v <= -ModelCodes.ImuGyroLimitMradS;
                    _lastPhysical[i] = v;
                }
            }
            Watch(_imuStuck, same, tMs, Protocol.SourceImu, "STUCK");
            Watch(_imuSaturated, rail, tMs, Protocol.SourceImu, "SATURATED");
        }

        private void Watch(ConditionMonitor monitor, bool holds, long tMs, string source, string state)
        {
            int change = monitor.Update(holds);
            if (change == ConditionMonitor.Raised)
            {
                _protocol.Status(tMs, source, state, null);
            }
            else if (change == ConditionMonitor.Cleared)
            {
                _protocol.Status(tMs, source, "OK", state); // detail: the condition that cleared
            }
        }
    }
}
