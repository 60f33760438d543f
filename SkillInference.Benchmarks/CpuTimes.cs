using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace SkillInference.Benchmarks;

/// <summary>
/// The CPU time this process and the PostgreSQL server on <c>port</c> used over a span of wall time. On a machine
/// shared with other work, the wall time holds everyone's load; these hold only the batch run's client and server.
/// </summary>
internal sealed class CpuTimes
{
    private readonly int _port;
    private readonly TimeSpan _client;
    private readonly TimeSpan? _server;
    private readonly long _started;

    private CpuTimes(int port)
    {
        _port = port;
        _client = ProcessCpu();
        _server = PostgresServerCpu.Read(port);
        _started = Stopwatch.GetTimestamp();
    }

    /// <summary>Starts counting.</summary>
    public static CpuTimes Start(int port) => new(port);

    /// <summary>What was used since <see cref="Start"/>.</summary>
    public Used Stop()
    {
        var wall = Stopwatch.GetElapsedTime(_started);
        var server = PostgresServerCpu.Read(_port);
        return new Used(wall, ProcessCpu() - _client, server is { } s && _server is { } before ? s - before : null);
    }

    /// <summary>The CPU time this process has used so far.</summary>
    public static TimeSpan ProcessCpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    /// <summary>The CPU time of the client and of the server over <see cref="Wall"/>.</summary>
    public readonly record struct Used(TimeSpan Wall, TimeSpan Client, TimeSpan? Server)
    {
        public JsonObject ToJson() => new()
        {
            ["client_s"] = Client.TotalSeconds,
            ["server_s"] = Server?.TotalSeconds,
        };

        public override string ToString() => string.Create(
            CultureInfo.InvariantCulture,
            $"client {Client.TotalSeconds:0.00} s, PostgreSQL server {(Server is { } s ? s.TotalSeconds.ToString("0.00 s", CultureInfo.InvariantCulture) : "n/a")} (of {Wall.TotalSeconds:0.00} s × {Environment.ProcessorCount} cores)");
    }
}
