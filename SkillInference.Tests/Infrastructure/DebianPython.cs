using System.Diagnostics;

namespace SkillInference.Tests.Infrastructure;

/// <summary>Runs scripts with Debian's python3, which has xgboost and scikit-learn (eng/test.sh installs them).</summary>
public static class DebianPython
{
    public const string Interpreter = "/usr/bin/python3";

    public static async Task<(int ExitCode, string StdOut, string StdErr)> RunAsync(TimeSpan timeout, params string[] args)
    {
        if (!File.Exists(Interpreter))
        {
            throw new InvalidOperationException($"{Interpreter} is missing: run the tests with eng/test.sh, which installs python3-xgboost and python3-sklearn.");
        }

        var info = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot.Path,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        // xgboost's OpenMP threads spin while waiting and starve a busy 2-core machine.
        info.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"python3 {string.Join(' ', args)} did not finish within {timeout}.");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
