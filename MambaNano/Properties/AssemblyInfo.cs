using System.Reflection;

[assembly: AssemblyTitle("MambaNano")]
[assembly: AssemblyDescription("HAR and KWS with INT8 Mamba models on an ESP32-S3")]
[assembly: AssemblyProduct("MambaNano")]
[assembly: AssemblyVersion("1.0.0.0")]
