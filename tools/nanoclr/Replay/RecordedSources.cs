using System;

namespace MambaNano.Replay
{
    /// <summary>
    /// A recording of what one sensor source gave the app, call by call, so the same input can be
    /// replayed where there are no files to read (nanoCLR embeds it as a resource). Written by the
    /// host runner (`mambanano-host replay ... --record-input DIR`), little-endian:
    ///   header (12 B)  "MNR1", kind ('I' IMU / 'A' audio), bytes per sample (audio; 0 for IMU),
    ///                  2 zero bytes, sample rate in Hz (int32)
    ///   records        'C' status                       a Connect() and its SensorStatus
    ///                  'R' status [payload if status Ok] a Read()
    ///                      IMU payload (41 B): IsCounts (0/1), Counts 6 x int16, Physical 6 x int32,
    ///                                          AccelFullScaleG int16, GyroFullScaleDps int16
    ///                      audio payload: count (int32) then count bytes
    ///   trailer (5 B)  'E' ticks (int32): how many app ticks the recorded run made
    /// Replaying calls in another order than recorded is an error, not a silent divergence.
    /// </summary>
    public sealed class InputRecording
    {
        public const byte KindImu = (byte)'I';
        public const byte KindAudio = (byte)'A';
        public const byte OpConnect = (byte)'C';
        public const byte OpRead = (byte)'R';
        public const byte OpEnd = (byte)'E';
        public const int HeaderBytes = 12;
        public const int TrailerBytes = 5;
        public const int ImuPayloadBytes = 41;

        private readonly byte[] _data;
        private readonly int _end;
        private int _pos = HeaderBytes;

        public InputRecording(byte[] data, byte kind)
        {
            if (data == null || data.Length < HeaderBytes + TrailerBytes || data[0] != (byte)'M' || data[1] != (byte)'N'
                || data[2] != (byte)'R' || data[3] != (byte)'1')
            {
                throw new ArgumentException("not an MNR1 input recording");
            }
            if (data[4] != kind)
            {
                throw new ArgumentException("input recording of another sensor kind");
            }
            _end = data.Length - TrailerBytes;
            if (data[_end] != OpEnd)
            {
                throw new ArgumentException("input recording without its end record (cut short?)");
            }
            _data = data;
            BytesPerSample = data[5];
            RateHz = Int32At(8);
            Ticks = Int32At(_end + 1);
        }

        public int RateHz { get; }

        public int BytesPerSample { get; }

        /// <summary>App ticks the recorded run made: replay exactly as many.</summary>
        public int Ticks { get; }

        /// <summary>The status of the next record, which must be of kind <paramref name="op"/>.</summary>
        public int Next(byte op)
        {
            if (_pos + 2 > _end)
            {
                throw new ArgumentException("input recording exhausted: more calls than were recorded");
            }
            if (_data[_pos] != op)
            {
                throw new ArgumentException("input recording: calls replayed in another order than recorded");
            }
            _pos += 2;
            return _data[_pos - 1];
        }

        public byte Byte()
        {
            Need(1);
            return _data[_pos++];
        }

        public short Int16()
        {
            Need(2);
            short v = (short)(_data[_pos] | (_data[_pos + 1] << 8));
            _pos += 2;
            return v;
        }

        public int Int32()
        {
            Need(4);
            int v = Int32At(_pos);
            _pos += 4;
            return v;
        }

        /// <summary>Copy the next <paramref name="count"/> bytes into <paramref name="buffer"/>.</summary>
        public void Bytes(byte[] buffer, int count)
        {
            Need(count);
            Array.Copy(_data, _pos, buffer, 0, count);
            _pos += count;
        }

        private void Need(int count)
        {
            if (count < 0 || _pos + count > _end)
            {
                throw new ArgumentException("input recording: record cut short");
            }
        }

        private int Int32At(int pos)
        {
            return _data[pos] | (_data[pos + 1] << 8) | (_data[pos + 2] << 16) | (_data[pos + 3] << 24);
        }
    }

    /// <summary>The IMU as recorded: each Connect and Read returns what the recorded one did.</summary>
    public sealed class RecordedImuSource : IImuSource
    {
        private readonly InputRecording _recording;

        public RecordedImuSource(byte[] recording)
        {
            _recording = new InputRecording(recording, InputRecording.KindImu);
        }

        public int SampleRateHz => _recording.RateHz;

        public int Ticks => _recording.Ticks;

        public int Connect()
        {
            return _recording.Next(InputRecording.OpConnect);
        }

        public int Read(ImuSample sample)
        {
            int status = _recording.Next(InputRecording.OpRead);
            if (status != SensorStatus.Ok)
            {
                return status;
            }
            sample.IsCounts = _recording.Byte() != 0;
            for (int i = 0; i < 6; i++)
            {
                sample.Counts[i] = _recording.Int16();
            }
            for (int i = 0; i < 6; i++)
            {
                sample.Physical[i] = _recording.Int32();
            }
            sample.AccelFullScaleG = _recording.Int16();
            sample.GyroFullScaleDps = _recording.Int16();
            return status;
        }
    }

    /// <summary>The microphone as recorded: each Connect and Read returns what the recorded one did.</summary>
    public sealed class RecordedAudioSource : IAudioSource
    {
        private readonly InputRecording _recording;

        public RecordedAudioSource(byte[] recording)
        {
            _recording = new InputRecording(recording, InputRecording.KindAudio);
        }

        public int SampleRateHz => _recording.RateHz;

        public int BytesPerSample => _recording.BytesPerSample;

        public int Ticks => _recording.Ticks;

        public int Connect()
        {
            return _recording.Next(InputRecording.OpConnect);
        }

        public int Read(byte[] buffer, int count)
        {
            int status = _recording.Next(InputRecording.OpRead);
            if (status != SensorStatus.Ok)
            {
                return status;
            }
            if (_recording.Int32() != count)
            {
                throw new ArgumentException("input recording: a read of another size than recorded");
            }
            _recording.Bytes(buffer, count);
            return status;
        }
    }
}
