using System;
using System.IO;

namespace MambaNano.Host
{
    /// <summary>
    /// mambanano-host: the app's own pipeline on a PC (tools/dotnet/MambaNano.Host/HostCli.cs has the verbs,
    /// options and exit codes; `mambanano-host --help`, `mambanano-host replay --help`).
    ///   replay     print exactly the serial lines the board would print for recorded input
    ///   compare    the protocol records of two captures, ignoring us= and unknown keys
    ///   parse-log  counts of each kind of record, and a check that every MN1 line parses
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            using Stream stdout = Console.OpenStandardOutput();
            int code = HostCli.Run(args, Console.Out, Console.Error, stdout);
            Console.Out.Flush();
            return code;
        }
    }
}
