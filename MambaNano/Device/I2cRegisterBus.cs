using System;
using System.Device.I2c;

namespace MambaNano
{
    /// <summary>IRegisterBus over a nanoFramework I2cDevice (no allocation per transfer).</summary>
    public sealed class I2cRegisterBus : IRegisterBus
    {
        private readonly I2cDevice _device;

        public I2cRegisterBus(I2cDevice device)
        {
            _device = device;
        }

        public bool WriteRead(byte[] write, byte[] read)
        {
            try
            {
                I2cTransferResult result = _device.WriteRead(new SpanByte(write), new SpanByte(read));
                return result.Status == I2cTransferStatus.FullTransfer;
            }
            catch (Exception)
            {
                return false;
            }
        }

        public bool Write(byte[] write)
        {
            try
            {
                return _device.Write(new SpanByte(write)).Status == I2cTransferStatus.FullTransfer;
            }
            catch (Exception)
            {
                return false;
            }
        }
    }
}
