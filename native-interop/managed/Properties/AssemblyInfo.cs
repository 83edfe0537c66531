using System.Reflection;

[assembly: AssemblyTitle("MambaNano.Interop")]
[assembly: AssemblyDescription("Native MambaNano engine (INT8 Mamba step, sensor front-ends) for nanoFramework")]
[assembly: AssemblyProduct("MambaNano")]
[assembly: AssemblyVersion("1.0.0.0")]

// The firmware's native table (native-interop/nf/MambaNano_Interop.cpp) declares this version;
// the device refuses the assembly if the two (or the method checksum) disagree.
[assembly: AssemblyNativeVersion("1.2.0.0")]
