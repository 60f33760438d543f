using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SkillInference.Rollouts;

namespace SkillInference.Tests.Core.Rollouts;

[TestClass]
public sealed class RolloutOptionsTests
{
    [TestMethod]
    [DataRow(0, 30, DisplayName = "zero interval")]
    [DataRow(5, 8, DisplayName = "lease shorter than two ticks")]
    public void RolloutOptions_Invalid_AreRefusedNamingTheSetting(int intervalSeconds, int leaseSeconds)
    {
        var services = new ServiceCollection();
        services.AddSkillInference().UseFileSystemModelStore(Path.GetTempPath());
        services.Configure<RolloutOptions>(o =>
        {
            o.EvaluationInterval = TimeSpan.FromSeconds(intervalSeconds);
            o.LeaseDuration = TimeSpan.FromSeconds(leaseSeconds);
        });
        using var provider = services.BuildServiceProvider();

        var ex = Assert.ThrowsExactly<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RolloutOptions>>().Value);

        StringAssert.Contains(ex.Message, "SkillInference:Rollouts:");
    }

    [TestMethod]
    public void RolloutOptions_Defaults_AreValid()
    {
        var services = new ServiceCollection();
        services.AddSkillInference().UseFileSystemModelStore(Path.GetTempPath());
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<RolloutOptions>>().Value;

        Assert.AreEqual(TimeSpan.FromSeconds(5), options.EvaluationInterval);
        Assert.AreEqual(TimeSpan.FromSeconds(30), options.LeaseDuration);
    }
}
