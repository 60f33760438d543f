using System.Diagnostics;
using System.Net.Sockets;

namespace SkillInference.Tests.Infrastructure;

/// <summary>
/// A real redis-server on a free loopback port, run in the foreground as a child process so a test can kill it and
/// start it again on the same port (eng/test.sh installs redis-server).
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private const string Binary = "/usr/bin/redis-server";
    private Process? _process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync(int? port = null)
    {
        var server = new RedisServer(port ?? ProcessRunner.FreePort());
        await server.RestartAsync();
        return server;
    }

    public async Task RestartAsync()
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: run the tests with eng/test.sh, which installs redis-server.");
        }

        var info = new ProcessStartInfo(Binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no" })
        {
            info.ArgumentList.Add(a);
        }

        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }

    /// <summary>Kills the server abruptly (as a crash would).</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync() => await KillAsync();
}
