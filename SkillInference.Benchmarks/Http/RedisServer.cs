using System.Diagnostics;
using System.Globalization;

namespace SkillInference.Benchmarks.Http;

/// <summary>
/// A throwaway redis-server on a free 127.0.0.1 port, run in the foreground as this process's child (a daemonized one
/// is not reaped here, see ENV.md), without persistence; commands through redis-cli.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Connection => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync(string directory)
    {
        Directory.CreateDirectory(directory);
        var port = HostProcess.FreePort();
        var start = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        foreach (var a in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory, "--logfile", Path.Combine(directory, "redis.log") })
        {
            start.ArgumentList.Add(a);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        var server = new RedisServer(process, port);
        for (var i = 0; i < 100; i++)
        {
            if ((await server.CommandAsync("PING")).Trim() == "PONG")
            {
                return server;
            }

            await Task.Delay(50);
        }

        await server.DisposeAsync();
        throw new InvalidOperationException("redis-server did not answer PING.");
    }

    public static string Version()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("redis-server", "--version") { RedirectStandardOutput = true, UseShellExecute = false })!;
            var text = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return text.Split(' ').FirstOrDefault(t => t.StartsWith("v=", StringComparison.Ordinal))?[2..] ?? text.Trim();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "";
        }
    }

    /// <summary>One command through redis-cli; its raw output.</summary>
    public async Task<string> CommandAsync(params string[] command)
    {
        var start = new ProcessStartInfo("redis-cli") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture) }.Concat(command))
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }

    /// <summary>Calls per command since the last CONFIG RESETSTAT (INFO commandstats).</summary>
    public async Task<Dictionary<string, long>> CommandCallsAsync()
    {
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in (await CommandAsync("INFO", "commandstats")).Split('\n'))
        {
            // cmdstat_hget:calls=123,usec=456,...
            if (line.StartsWith("cmdstat_", StringComparison.Ordinal) && line.IndexOf(":calls=", StringComparison.Ordinal) is > 0 and var colon)
            {
                var value = line[(colon + 7)..].Split(',')[0];
                calls[line[8..colon]] = long.Parse(value, CultureInfo.InvariantCulture);
            }
        }

        return calls;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await CommandAsync("SHUTDOWN", "NOSAVE");
                if (!_process.WaitForExit(3000))
                {
                    _process.Kill();
                }
            }

            await _process.WaitForExitAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }
}
