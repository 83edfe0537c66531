using System;
using System.Device.I2c;
using Iot.Device.Imu;

namespace MambaNano
{
    /// <summary>
    /// The MPU6050 on I2C1 (address and pins from nf.config). Connect lets the IoT.Device driver
    /// (Iot.Device.Imu.Mpu6050) reset and identify the chip, then <see cref="Mpu6050Reader"/> sets
    /// 50 Hz, the low-pass filter and the ranges and reads the counts in one burst per sample
    /// (the driver's float vectors would cost two transfers and an allocation per sample).
    /// </summary>
    public sealed class Mpu6050Source : IImuSource
    {
        private I2cDevice _device;
        private Mpu6050Reader _reader;

        public int SampleRateHz => BoardConfig.ImuRateHz;

        public int Connect()
        {
            try
            {
                if (_device == null)
                {
                    _device = I2cDevice.Create(new I2cConnectionSettings(BoardConfig.I2cBus, BoardConfig.Mpu6050Address,
                        I2cBusSpeed.FastMode));
                    _reader = new Mpu6050Reader(new I2cRegisterBus(_device));
                }
                // Resets the chip and checks WHO_AM_I; throws when nothing (or something else) answers.
                new Mpu6050(_device);
            }
            catch (Exception)
            {
                return SensorStatus.NoDevice;
            }
            return _reader.Configure(BoardConfig.ImuRateHz, BoardConfig.AccelFullScaleG, BoardConfig.GyroFullScaleDps);
        }

        public int Read(ImuSample sample) => _reader.Read(sample);
    }
}
