using System.Diagnostics;
using System.Net;

namespace SkillInference.Tests.Infrastructure;

/// <summary>
/// The host as deploy/publish-host.sh writes it (what deploy/Dockerfile copies into the image), run the way Cloud Run
/// runs the container: its <c>SkillInference.Host</c> executable with <c>PORT</c> set, as an unprivileged user when the
/// tests run as root, from a read-only app folder. No Docker engine runs here, so this is the container's contract.
/// </summary>
public static class PublishedHost
{
    /// <summary>The user the container runs as (deploy/Dockerfile uses the official images' non-root <c>app</c>; here: <c>nobody</c>).</summary>
    public const string UnprivilegedUser = "nobody";

    /// <summary>The environment variable naming a folder deploy/publish-host.sh already wrote (eng/test.sh sets it).</summary>
    public const string PublishedVariable = "SKILLINF_TEST_PUBLISHED_HOST";

    /// <summary>The executable the image starts (deploy/Dockerfile's entry point).</summary>
    public const string Executable = "SkillInference.Host";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _published;

    /// <summary>Whether the tests run as root (then the host is started as <see cref="UnprivilegedUser"/>).</summary>
    public static bool RunningAsRoot => Environment.UserName == "root";

    /// <summary>
    /// The host as deploy/publish-host.sh writes it for the image (self-contained, composite ReadyToRun), once per test
    /// run, in a read-only folder. eng/test.sh publishes it before the tests start (a few minutes of ahead-of-time
    /// compilation, which would otherwise compete with running tests) and names the folder in
    /// <c>SKILLINF_TEST_PUBLISHED_HOST</c>; a copy of it is used. Without that variable the script runs here.
    /// </summary>
    public static async Task<string> EnsurePublishedAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_published is null)
            {
                var output = Path.Combine(TempDirectory.Create("published-host"), "app");
                var (code, text) = Environment.GetEnvironmentVariable(PublishedVariable) is { Length: > 0 } published
                    ? await RunAsync(TimeSpan.FromMinutes(2), "cp", "-a", published, output)
                    : await RunAsync(TimeSpan.FromMinutes(15), "bash", Path.Combine(RepositoryRoot.Path, "deploy", "publish-host.sh"), output);
                Assert.AreEqual(0, code, $"publishing the host as deploy/publish-host.sh does failed:\n{text}");
                Assert.IsTrue(File.Exists(Path.Combine(output, Executable)), $"deploy/publish-host.sh wrote no {Executable} executable in {output}");
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
    /// Starts <c>APP/SkillInference.Host</c> (the image's entry point) in <paramref name="workingDirectory"/> with <paramref name="environment"/>
    /// added (null removes a variable), as <see cref="UnprivilegedUser"/> when running as root. <c>setpriv</c> execs
    /// the host in place, so the process id is the host's own (a signal reaches it, as PID 1 in a container).
    /// </summary>
    public static ProcessRunner Start(string appDirectory, string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var executable = Path.Combine(appDirectory, Executable);
        var info = RunningAsRoot
            ? new ProcessStartInfo("setpriv") { ArgumentList = { "--reuid", UnprivilegedUser, "--regid", "nogroup", "--clear-groups", executable } }
            : new ProcessStartInfo(executable);
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
