using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Cli;

[TestClass]
public sealed class CommandLineTests
{
    [TestMethod]
    [DataRow("models", "list")]
    [DataRow("samples")]
    [DataRow("models", "rollback", "collaboration")]
    public async Task Command_WithoutStore_ExitsNonZeroWithUsage(params string[] args)
    {
        var result = await Skillinf.RunAsync(args);

        Assert.AreNotEqual(0, result.ExitCode, result.ToString());
        Assert.Contains("--store", result.Error);
        Assert.Contains("Usage:", result.Output + result.Error);
    }

    [TestMethod]
    public async Task Command_Unknown_ExitsNonZero()
    {
        var result = await Skillinf.RunAsync("frobnicate", "--store", TempDirectory.Create("cli"));

        Assert.AreNotEqual(0, result.ExitCode, result.ToString());
    }
}
