using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SkillInference.Tests.Infrastructure;

/// <summary>Runs the built host and CLI as real processes (<c>dotnet X.dll</c>), as a user would.</summary>
public sealed class ProcessRunner : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ProcessRunner(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public static ProcessRunner Start(string dll, string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, dll));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        return Start(info);
    }

    /// <summary>Starts any process with its output captured (e.g. a published host run as another user).</summary>
    public static ProcessRunner Start(ProcessStartInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        return new ProcessRunner(Process.Start(info) ?? throw new InvalidOperationException($"Could not start {info.FileName}."));
    }

    /// <summary>Runs any process to completion (failing the test when it outlives <paramref name="timeout"/>) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(ProcessStartInfo info, TimeSpan timeout)
    {
        await using var process = Start(info);
        Assert.IsTrue(await process.WaitForExitAsync(timeout), $"{info.FileName} {string.Join(' ', info.ArgumentList)} did not finish within {timeout}:\n{process.Output}");
        return (process.ExitCode, process.Output);
    }

    public int Id => _process.Id;

    public int ExitCode => _process.ExitCode;

    /// <summary>Waits for the process to exit; false when it is still running after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            _process.WaitForExit(); // flushes the redirected streams
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Runs a command to completion and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string dll, string workingDirectory, TimeSpan timeout, params string[] args)
    {
        await using var runner = Start(dll, workingDirectory, args);
        using var cts = new CancellationTokenSource(timeout);
        await runner._process.WaitForExitAsync(cts.Token);
        runner._process.WaitForExit(); // flushes the redirected streams
        return (runner._process.ExitCode, runner.Output);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
