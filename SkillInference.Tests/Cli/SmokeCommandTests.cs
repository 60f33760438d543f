using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Cli;

/// <summary><c>skillinf smoke</c> when there is nothing to test: failures are reported checks and exit code 1, never a crash (PublishedHostEndToEndTests runs it against real hosts).</summary>
[TestClass]
public sealed class SmokeCommandTests
{
    [TestMethod]
    public async Task Smoke_NothingListening_FailsEveryCheckWithoutACrash()
    {
        var result = await Skillinf.RunAsync("smoke", "--url", $"http://127.0.0.1:{ProcessRunner.FreePort()}", "--ready-timeout-s", "1");

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, "FAIL live: HttpRequestException");
        StringAssert.Contains(result.Output, "FAIL latency: no scoring request succeeded");
        StringAssert.Contains(result.Output, "smoke: 0 passed, 4 failed");
        Assert.DoesNotContain("   at ", result.Output + result.Error, "no stack trace");
    }

    [TestMethod]
    public async Task Smoke_NotAnHttpUrl_IsAnError()
    {
        var result = await Skillinf.RunAsync("smoke", "--url", "ftp://example.org");

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "error: --url 'ftp://example.org' is not an http(s) URL.");
    }
}
