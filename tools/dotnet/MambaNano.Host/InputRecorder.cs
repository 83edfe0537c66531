using System;
using System.IO;
using MambaNano.Replay;

namespace MambaNano.Host
{
    /// <summary>Writes one sensor's calls in the input-recording format (see
    /// tools/nanoclr/Replay/RecordedSources.cs, which reads it back).</summary>
    public sealed class InputRecorder : IDisposable
    {
        private readonly BinaryWriter _writer;

        public InputRecorder(string path, byte kind, int rateHz, int bytesPerSample)
        {
            _writer = new BinaryWriter(File.Create(path));
            _writer.Write(new[]
            {
                (byte)'M', (byte)'N', (byte)'R', (byte)'1', kind, (byte)bytesPerSample, (byte)0, (byte)0,
            });
            _writer.Write(rateHz);
        }

        public BinaryWriter Writer => _writer;

        public int Record(byte op, int status)
        {
            _writer.Write(op);
            _writer.Write((byte)status);
            return status;
        }

        /// <summary>The trailer: how many ticks the recorded run made.</summary>
        public void Finish(long ticks)
        {
            _writer.Write(InputRecording.OpEnd);
            _writer.Write(checked((int)ticks));
        }

        public void Dispose() => _writer.Dispose();
    }

    /// <summary>An IMU source that passes every call through and records it.</summary>
    public sealed class RecordingImuSource : IImuSource
    {
        private readonly IImuSource _inner;
        private readonly InputRecorder _recorder;

        public RecordingImuSource(IImuSource inner, InputRecorder recorder)
        {
            _inner = inner;
            _recorder = recorder;
        }

        public int SampleRateHz => _inner.SampleRateHz;

        public int Connect() => _recorder.Record(InputRecording.OpConnect, _inner.Connect());

        public int Read(ImuSample sample)
        {
            int status = _recorder.Record(InputRecording.OpRead, _inner.Read(sample));
            if (status == SensorStatus.Ok)
            {
                BinaryWriter w = _recorder.Writer;
                w.Write((byte)(sample.IsCounts ? 1 : 0));
                foreach (short c in sample.Counts)
                {
                    w.Write(c);
                }
                foreach (int p in sample.Physical)
                {
                    w.Write(p);
                }
                w.Write((short)sample.AccelFullScaleG);
                w.Write((short)sample.GyroFullScaleDps);
            }
            return status;
        }
    }

    /// <summary>An audio source that passes every call through and records it.</summary>
    public sealed class RecordingAudioSource : IAudioSource
    {
        private readonly IAudioSource _inner;
        private readonly InputRecorder _recorder;

        public RecordingAudioSource(IAudioSource inner, InputRecorder recorder)
        {
            _inner = inner;
            _recorder = recorder;
        }

        public int SampleRateHz => _inner.SampleRateHz;

        public int BytesPerSample => _inner.BytesPerSample;

        public int Connect() => _recorder.Record(InputRecording.OpConnect, _inner.Connect());

        public int Read(byte[] buffer, int count)
        {
            int status = _recorder.Record(InputRecording.OpRead, _inner.Read(buffer, count));
            if (status == SensorStatus.Ok)
            {
                _recorder.Writer.Write(count);
                _recorder.Writer.Write(buffer, 0, count);
            }
            return status;
        }
    }
}
