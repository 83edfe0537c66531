using System.Reflection;

[assembly: AssemblyTitle("MambaNano.Replay")]
[assembly: AssemblyDescription("The MambaNano app's loop on nanoCLR with a recorded input")]
[assembly: AssemblyProduct("MambaNano")]
[assembly: AssemblyVersion("1.0.0.0")]
