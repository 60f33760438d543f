using System.Diagnostics;
using System.Net;

namespace SkillInference.Tests.Infrastructure;

/// <summary>
/// The host as <c>dotnet publish</c> writes it (what deploy/Dockerfile copies into the image), run the way Cloud Run
/// runs the container: <c>dotnet SkillInference.Host.dll</c> with <c>PORT</c> set, as an unprivileged user when the
/// tests run as root, from a read-only app folder. No Docker engine runs here, so this is the container's contract.
/// </summary>
public static class PublishedHost
{
    /// <summary>The user the container runs as (deploy/Dockerfile uses the official images' non-root <c>app</c>; here: <c>nobody</c>).</summary>
    public const string UnprivilegedUser = "nobody";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _published;

    /// <summary>Whether the tests run as root (then the host is started as <see cref="UnprivilegedUser"/>).</summary>
    public static bool RunningAsRoot => Environment.UserName == "root";

    /// <summary>Publishes the built host once per test run (<c>dotnet publish --no-build</c>, a few seconds) and returns the folder, made read-only.</summary>
    public static async Task<string> EnsurePublishedAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_published is null)
            {
                var output = Path.Combine(TempDirectory.Create("published-host"), "app");
                var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
                var project = Path.Combine(RepositoryRoot.Path, "SkillInference.Host", "SkillInference.Host.csproj");
                var (code, text) = await RunAsync(TimeSpan.FromMinutes(3), "dotnet", "publish", project, "-c", configuration, "--no-build", "-o", output, "-nologo");
                Assert.AreEqual(0, code, $"dotnet publish of the host failed (build the solution in {configuration} first):\n{text}");
                (code, text) = await RunAsync(TimeSpan.FromMinutes(1), "chmod", "-R", "a-w", output);
                Assert.AreEqual(0, code, text);
                _published = output;
            }

            return _published;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>A writable copy of the published folder made of hard links (instant), for tests that change a file in it.</summary>
    public static async Task<string> LinkedCopyAsync(string name)
    {
        var source = await EnsurePublishedAsync();
        var copy = Path.Combine(TempDirectory.Create(name), "app");
        var (code, text) = await RunAsync(TimeSpan.FromMinutes(1), "cp", "-al", source, copy);
        Assert.AreEqual(0, code, text);
        return copy;
    }

    /// <summary>
    /// Starts <c>dotnet APP/SkillInference.Host.dll</c> in <paramref name="workingDirectory"/> with <paramref name="environment"/>
    /// added (null removes a variable), as <see cref="UnprivilegedUser"/> when running as root. <c>setpriv</c> execs
    /// the host in place, so the process id is the host's own (a signal reaches it, as PID 1 in a container).
    /// </summary>
    public static ProcessRunner Start(string appDirectory, string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var info = RunningAsRoot
            ? new ProcessStartInfo("setpriv") { ArgumentList = { "--reuid", UnprivilegedUser, "--regid", "nogroup", "--clear-groups", "dotnet" } }
            : new ProcessStartInfo("dotnet");
        info.ArgumentList.Add(Path.Combine(appDirectory, "SkillInference.Host.dll"));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.WorkingDirectory = workingDirectory;
        info.Environment.Remove("ASPNETCORE_URLS");
        info.Environment["HOME"] = Path.GetTempPath();
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        return ProcessRunner.Start(info);
    }

    /// <summary>A fresh folder the unprivileged user may write (a working directory; /tmp in the container).</summary>
    public static string ScratchDirectory(string name = "scratch")
    {
        var path = TempDirectory.Create(name);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)0b111_111_111);
        }

        return path;
    }

    /// <summary>Sends SIGTERM, as Cloud Run does when it stops an instance.</summary>
    public static async Task TerminateAsync(ProcessRunner process)
    {
        ArgumentNullException.ThrowIfNull(process);
        var (code, text) = await RunAsync(TimeSpan.FromSeconds(10), "kill", "-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.AreEqual(0, code, text);
    }

    /// <summary>Waits until <paramref name="path"/> answers <paramref name="status"/>; fails with the host's output when it exits or the time runs out.</summary>
    public static async Task WaitForAsync(HttpClient http, ProcessRunner host, string path, HttpStatusCode status, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(host);
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (host.HasExited)
            {
                Assert.Fail($"The host exited before {path} answered {(int)status}:\n{host.Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
                if (response.StatusCode == status)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(200);
        }

        Assert.Fail($"{path} did not answer {(int)status} within {timeout}:\n{host.Output}");
    }

    private static Task<(int ExitCode, string Output)> RunAsync(TimeSpan timeout, string file, params string[] args)
    {
        var info = new ProcessStartInfo(file);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        return ProcessRunner.RunAsync(info, timeout);
    }
}
