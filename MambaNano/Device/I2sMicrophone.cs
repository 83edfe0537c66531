using System;
using System.Device.I2s;

namespace MambaNano
{
    /// <summary>
    /// An I2S MEMS microphone on I2S1 (pins, rate and slot width from nf.config), master receiver,
    /// left channel. Read blocks until the DMA has a whole hop: this paces the app.
    /// </summary>
    public sealed class I2sMicrophone : IAudioSource
    {
        private I2sDevice _device;

        public int SampleRateHz => BoardConfig.MicRateHz;

        public int BytesPerSample => BoardConfig.MicBytesPerSample;

        public int Connect()
        {
            try
            {
                if (_device != null)
                {
                    _device.Dispose();
                    _device = null;
                }
                I2sConnectionSettings settings = new I2sConnectionSettings(BoardConfig.I2sBus);
                settings.Mode = I2sMode.Master | I2sMode.Rx;
                settings.SampleRate = BoardConfig.MicRateHz;
                settings.BitsPerSample =
                    BoardConfig.MicBytesPerSample == 4 ? I2sBitsPerSample.Bit32 : I2sBitsPerSample.Bit16;
                settings.ChannelFormat = I2sChannelFormat.OnlyLeft;
                settings.CommunicationFormat = I2sCommunicationFormat.I2S;
                settings.BufferSize = MambaNanoApp.HopSamples * BoardConfig.MicBytesPerSample * 4;
                _device = new I2sDevice(settings);
            }
            catch (Exception)
            {
                return SensorStatus.NoDevice;
            }
            return SensorStatus.Ok;
        }

        public int Read(byte[] buffer, int count)
        {
            try
            {
                _device.Read(new SpanByte(buffer, 0, count));
            }
            catch (Exception)
            {
                return SensorStatus.BusError;
            }
            return SensorStatus.Ok;
        }
    }
}
