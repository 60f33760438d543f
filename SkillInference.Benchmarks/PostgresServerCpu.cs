using System.Globalization;

namespace SkillInference.Benchmarks;

/// <summary>
/// The CPU time a PostgreSQL server on this machine has used: its postmaster (the <c>postgres</c> process started with
/// <c>-p PORT</c>) and the postmaster's children, live and exited, from <c>/proc</c> (Linux; USER_HZ = 100).
/// On a machine shared with other work, wall time holds everyone's load; CPU time holds only this server's.
/// </summary>
internal static class PostgresServerCpu
{
    private const double TicksPerSecond = 100;

    /// <summary>The server's CPU time so far; null when its processes cannot be found (another OS, another machine).</summary>
    public static TimeSpan? Read(int port)
    {
        if (!Directory.Exists("/proc"))
        {
            return null;
        }

        var processes = new List<(int Pid, int Parent, long Own, long Children, string CommandLine)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                if (!stat.Contains("(postgres)", StringComparison.Ordinal))
                {
                    continue;
                }

                // Fields after "(comm) ": state ppid ... utime(14) stime(15) cutime(16) cstime(17), counted from 1.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                long Field(int n) => long.Parse(fields[n - 3], CultureInfo.InvariantCulture);
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                processes.Add((pid, (int)Field(4), Field(14) + Field(15), Field(16) + Field(17), commandLine));
            }
            catch (IOException)
            {
                // The process ended while it was read.
            }
        }

        var portArgument = $"-p {port.ToString(CultureInfo.InvariantCulture)} ";
        if (processes.FirstOrDefault(p => (p.CommandLine + " ").Contains(portArgument, StringComparison.Ordinal)) is not { Pid: > 0 } postmaster)
        {
            return null;
        }

        var ticks = postmaster.Own + postmaster.Children + processes.Where(p => p.Parent == postmaster.Pid).Sum(p => p.Own);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }
}
