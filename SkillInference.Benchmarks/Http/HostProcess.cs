using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SkillInference.Benchmarks.Http;

/// <summary>
/// <c>SkillInference.Host</c> started as a process from the Release build (<c>dotnet SkillInference.Host.dll --urls
/// http://127.0.0.1:PORT</c>), settings passed as command-line configuration; ready when <c>/health/ready</c> answers
/// 200. Disposing kills it (this process's own child, by its id) and waits for it.
/// </summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly LineLog _log;

    private HostProcess(Process process, LineLog log, Uri baseAddress)
    {
        _process = process;
        _log = log;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public int Id => _process.Id;

    /// <summary>The process's CPU time so far (user + system), read from /proc (Linux).</summary>
    public TimeSpan CpuTime => ProcessCpu.Of(_process.Id);

    /// <summary>
    /// The API key every benchmark host accepts (client <c>bench</c>, every scope), configured like a deployment's
    /// keys; clients send it as <c>X-Api-Key</c>, so the measured path includes authentication.
    /// </summary>
    public const string ApiKey = "benchmark-suite-key-0123456789abcdef";

    /// <summary>The settings every benchmark host starts with (before the caller's): the bench key, and a rate limit far above what the load generators send, so the limiter runs but never answers 429.</summary>
    public static IReadOnlyDictionary<string, string> BenchSettings { get; } = new Dictionary<string, string>
    {
        ["SkillInference:Auth:ApiKeys:bench:Key"] = ApiKey,
        ["SkillInference:Auth:ApiKeys:bench:Scopes:0"] = "score",
        ["SkillInference:Auth:ApiKeys:bench:Scopes:1"] = "ingest",
        ["SkillInference:Auth:ApiKeys:bench:Scopes:2"] = "operate",
        ["SkillInference:Auth:ApiKeys:bench:Scopes:3"] = "metrics",
        ["SkillInference:Limits:PermitsPerSecond"] = "1000000",
        ["SkillInference:Limits:Burst"] = "1000000",
    };

    public static async Task<HostProcess> StartAsync(string hostDll, string workDirectory, IReadOnlyDictionary<string, string> settings, TimeSpan timeout)
    {
        hostDll = Path.GetFullPath(hostDll);
        if (!File.Exists(hostDll))
        {
            throw new FileNotFoundException($"The host's Release build is missing: {hostDll}", hostDll);
        }

        Directory.CreateDirectory(workDirectory);
        var port = FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(hostDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseAddress.ToString().TrimEnd('/'));
        foreach (var (key, value) in BenchSettings.Where(b => !settings.ContainsKey(b.Key)).Concat(settings))
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var log = new LineLog(Path.Combine(workDirectory, $"host-{port}.log"));
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, e) => log.Write(e.Data);
        process.ErrorDataReceived += (_, e) => log.Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var host = new HostProcess(process, log, baseAddress);

        using var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (process.HasExited)
            {
                var code = process.ExitCode;
                await host.DisposeAsync();
                throw new InvalidOperationException($"The host exited with code {code}; see {Path.Combine(workDirectory, $"host-{port}.log")}.");
            }

            try
            {
                using var response = await client.GetAsync("health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return host;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow to answer while it loads models.
            }

            await Task.Delay(200);
        }

        await host.DisposeAsync();
        throw new TimeoutException($"The host was not ready within {timeout.TotalSeconds:0} s.");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            _process.Dispose();
            _log.Dispose();
        }
    }
}

/// <summary>A child process's output lines, appended to a file until disposed.</summary>
internal sealed class LineLog(string path) : IDisposable
{
    private readonly StreamWriter _writer = new(path) { AutoFlush = true };
    private bool _closed;

    public void Write(string? line)
    {
        lock (_writer)
        {
            if (line is not null && !_closed)
            {
                _writer.WriteLine(line);
            }
        }
    }

    public void Dispose()
    {
        lock (_writer)
        {
            _closed = true;
            _writer.Dispose();
        }
    }
}

/// <summary>CPU time of a process from /proc/PID/stat (utime + stime, in clock ticks of 1/100 s).</summary>
internal static class ProcessCpu
{
    public static TimeSpan Of(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / 100.0);
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }
}
