using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Cli;

/// <summary><c>skillinf monitor validate --db</c> over the embedded database: synthetic students and ratings, a batch run, then validation.</summary>
[TestClass]
public sealed class MonitorValidateCommandTests
{
    [TestMethod]
    public async Task MonitorValidate_ScoredAndRatedStudents_PrintsEverySkillAndExits2WhileAnAlertIsOpen()
    {
        var db = Path.Combine(TempDirectory.Create("cli-db"), "skills.db");
        var store = SampleStore.Copy();
        var synth = await Skillinf.RunAsync("synth", "students", "--count", "300", "--seed", "5", "--db", db, "--catalog", SampleStore.CatalogPath);
        var batch = await Skillinf.RunAsync("batch", "run", "--mode", "full", "--db", db, "--store", store);
        Assert.AreEqual(0, synth.ExitCode, synth.ToString());
        Assert.AreEqual(0, batch.ExitCode, batch.ToString());

        // Every r is at least -1: nothing breaches, every skill with enough pairs is ok.
        var healthy = await Skillinf.RunAsync("monitor", "validate", "--db", db, "--threshold", "-1");
        // No r of real data reaches 1: every skill breaches and its alert opens.
        var breached = await Skillinf.RunAsync("monitor", "validate", "--db", db, "--threshold", "1", "--min-pairs", "4");
        var tooFew = await Skillinf.RunAsync("monitor", "validate", "--db", db, "--min-pairs", "100000");

        Assert.AreEqual(0, healthy.ExitCode, healthy.ToString());
        var rows = healthy.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("skill", rows[0]);
        Assert.HasCount(8, rows, healthy.Output);
        Assert.IsTrue(rows.Skip(1).All(r => r.TrimEnd().EndsWith(" ok", StringComparison.Ordinal)), healthy.Output);
        Assert.AreEqual(2, breached.ExitCode, breached.ToString());
        Assert.AreEqual(7, breached.Output.Split('\n').Count(l => l.StartsWith("open correlation alert:", StringComparison.Ordinal)), breached.Output);
        Assert.AreEqual(2, tooFew.ExitCode, "the alerts stay open: too few pairs judges nothing");
        Assert.AreEqual(7, tooFew.Output.Split('\n').Count(l => l.TrimEnd().EndsWith("insufficient_data", StringComparison.Ordinal)), tooFew.Output);
        Assert.DoesNotContain("S000", healthy.Output + breached.Output + tooFew.Output, "no student id in the output");
    }
}
