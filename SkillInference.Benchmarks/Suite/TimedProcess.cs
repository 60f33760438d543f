using System.Diagnostics;
using System.Globalization;

namespace SkillInference.Benchmarks.Suite;

/// <summary>
/// A program run as a whole process and timed from the outside: wall-clock time from start to exit, and its CPU time
/// (user + system, from this process's <c>cutime</c>/<c>cstime</c> in /proc/self/stat, which grow by a child's CPU
/// time when it has exited and been reaped). Output (standard output, then standard error) is kept in memory.
/// </summary>
internal static class TimedProcess
{
    public readonly record struct Run(double Seconds, double CpuSeconds, string Output, int ExitCode);

    /// <summary>Runs the program to its end (killed after <paramref name="timeout"/>).</summary>
    /// <param name="check">Whether a non-zero exit code is an error (<see cref="InvalidOperationException"/>).</param>
    public static async Task<Run> RunAsync(string file, IReadOnlyList<string> args, TimeSpan timeout, bool check = true)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var cpuBefore = ChildrenCpuSeconds();
        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:0} s.");
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var output = await stdout + await stderr;
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}:\n{output}");
        }

        return new Run(seconds, ChildrenCpuSeconds() - cpuBefore, output, process.ExitCode);
    }

    /// <summary>The CPU time of this process's exited and reaped children so far (Linux; 0 elsewhere).</summary>
    private static double ChildrenCpuSeconds()
    {
        const string stat = "/proc/self/stat";
        if (!File.Exists(stat))
        {
            return 0;
        }

        var text = File.ReadAllText(stat);
        // Fields after "(comm) ": state(3) ... cutime(16) cstime(17), counted from 1; clock ticks of 1/100 s.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[16 - 3], CultureInfo.InvariantCulture) + long.Parse(fields[17 - 3], CultureInfo.InvariantCulture)) / 100.0;
    }
}
