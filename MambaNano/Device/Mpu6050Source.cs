using System;
using System.Device.I2c;

namespace MambaNano
{
    /// <summary>
    /// The MPU6050 on I2C1 (address and pins from nf.config): <see cref="Mpu6050Reader"/> over the
    /// I2cDevice resets and configures the chip at each Connect and reads the counts in one burst
    /// per sample.
    /// </summary>
    public sealed class Mpu6050Source : IImuSource
    {
        private Mpu6050Reader _reader;

        public int SampleRateHz => BoardConfig.ImuRateHz;

        public int Connect()
        {
            if (_reader == null)
            {
                try
                {
                    I2cDevice device = I2cDevice.Create(new I2cConnectionSettings(BoardConfig.I2cBus,
                        BoardConfig.Mpu6050Address, I2cBusSpeed.FastMode));
                    _reader = new Mpu6050Reader(new I2cRegisterBus(device));
                }
                catch (Exception)
                {
                    return SensorStatus.NoDevice; // the I2C bus itself could not be opened
                }
            }
            return _reader.Configure(BoardConfig.ImuRateHz, BoardConfig.AccelFullScaleG, BoardConfig.GyroFullScaleDps);
        }

        public int Read(ImuSample sample) => _reader.Read(sample);
    }
}
