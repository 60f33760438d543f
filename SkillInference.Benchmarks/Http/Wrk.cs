using System.Text.Json.Nodes;

namespace SkillInference.Benchmarks.Http;

/// <summary>Runs wrk with tools/bench/wrk_bodies.lua and reads the JSON line the script prints.</summary>
internal static class Wrk
{
    public static string Version()
    {
        try
        {
            var (output, _) = RunAsync("wrk", ["-v"], TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
            var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("wrk", StringComparison.Ordinal))?.Trim() ?? "wrk (unknown version)";
            return line.Split(" Copyright", 2)[0];
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "";
        }
    }

    /// <summary>Saturation: wrk's closed loop on <paramref name="connections"/> connections for <paramref name="seconds"/>.</summary>
    /// <param name="ids">The script's student ids: <c>none</c> (the bodies as they are), <c>distinct</c> (a new student per request) or <c>repeat</c> (one student per body).</param>
    public static async Task<JsonObject> RunAsync(Uri url, string bodies, int threads, int connections, int seconds, Func<TimeSpan>? hostCpu = null, string ids = "none")
    {
        var script = Path.Combine(BenchmarkPaths.ToolsBench, "wrk_bodies.lua");
        string[] args = ["-t" + threads, "-c" + connections, "-d" + seconds + "s", "--latency", "--timeout", "10s", "-H", "X-Api-Key: " + HostProcess.ApiKey, "-s", script, url.ToString(), "--", bodies, ids];
        var cpuBefore = hostCpu?.Invoke() ?? TimeSpan.Zero;
        var (output, code) = await RunAsync("wrk", args, TimeSpan.FromSeconds(seconds + 60));
        var cpu = (hostCpu?.Invoke() ?? TimeSpan.Zero) - cpuBefore;
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("WRK_JSON ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"wrk exited with {code} without the script's summary:\n{output}");
        var result = JsonNode.Parse(line["WRK_JSON ".Length..])!.AsObject();
        var requests = result["requests"]!.GetValue<double>();
        var duration = result["duration_us"]!.GetValue<double>() / 1e6;
        result["requests_per_s"] = requests / duration;
        result["threads"] = threads;
        result["connections"] = connections;
        result["seconds"] = seconds;
        result["ids"] = ids;
        result["command"] = "wrk " + string.Join(' ', args.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a));
        result["host_cpu_cores"] = cpu.TotalSeconds / duration;
        return result;
    }

    private static async Task<(string Output, int ExitCode)> RunAsync(string file, IReadOnlyList<string> args, TimeSpan timeout)
    {
        var run = await Suite.TimedProcess.RunAsync(file, args, timeout, check: false);
        return (run.Output, run.ExitCode);
    }
}

/// <summary>Where the repository's benchmark tools are.</summary>
internal static class BenchmarkPaths
{
    public static string ToolsBench => Path.Combine(Suite.BenchWork.RepositoryRoot(), "tools", "bench");
}
