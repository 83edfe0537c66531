using System.Reflection;

[assembly: AssemblyTitle("MambaNano.Tests")]
[assembly: AssemblyDescription("Unit tests of MambaNano, run on the device and on the host")]
[assembly: AssemblyProduct("MambaNano")]
[assembly: AssemblyVersion("1.0.0.0")]
