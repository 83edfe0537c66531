using System;

namespace MambaNano.Replay
{
    /// <summary>
    /// The app's loop (MambaNano/Core) on nanoCLR, fed a recorded input: the sensors' calls as the
    /// host runner recorded them (`mambanano-host replay ... --record-input`), and the shipped
    /// models, all embedded as binary resources the way the app embeds its models (the POSIX nanoCLR
    /// has no file system); as on the device, the models are read in place (ModelResource). Runs
    /// exactly as many ticks as the recorded run and prints the same serial lines to stdout;
    /// tools/nanoclr/replay.sh compares them with the host runner's.
    /// </summary>
    public static class Program
    {
        public static void Main()
        {
            RecordedImuSource imu = new RecordedImuSource(Resources.GetBytes(Resources.BinaryResources.imu_input));
            RecordedAudioSource mic = new RecordedAudioSource(Resources.GetBytes(Resources.BinaryResources.mic_input));
            if (imu.Ticks != mic.Ticks)
            {
                throw new ArgumentException("the IMU and microphone recordings are of different runs");
            }
            MambaNanoApp app = new MambaNanoApp(new Protocol(new DebugLineSink()), imu, mic);
            app.Begin(Resources.Model(Resources.BinaryResources.har), Resources.Model(Resources.BinaryResources.kws));
            long endMs = (long)imu.Ticks * MambaNanoApp.TickMs;
            while (app.TimeMs < endMs)
            {
                app.Tick();
            }
        }
    }
}
