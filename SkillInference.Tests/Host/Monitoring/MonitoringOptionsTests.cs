using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SkillInference.Host.Monitoring;
using SkillInference.Monitoring;

namespace SkillInference.Tests.Host.Monitoring;

/// <summary>
/// Monitoring options bound from the host's configuration section and validated (the host validates them at start-up,
/// <c>ValidateOnStart</c>), naming the offending key.
/// </summary>
[TestClass]
public sealed class MonitoringOptionsTests
{
    private static IOptions<MonitoringOptions> Bind(string key, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSkillInference().UseSqlite(Path.Combine(Infrastructure.TempDirectory.Create("monitoring-options"), "skills.db"));
        services.AddMonitoringFromConfiguration(configuration);
        return services.BuildServiceProvider().GetRequiredService<IOptions<MonitoringOptions>>();
    }

    [TestMethod]
    [DataRow("SkillInference:Monitoring:PsiAlert", "0.05", "SkillInference:Monitoring:PsiWatch must be positive and PsiAlert at least PsiWatch")]
    [DataRow("SkillInference:Monitoring:MinimumPairs", "3", "SkillInference:Monitoring:MinimumPairs")]
    [DataRow("SkillInference:Monitoring:Webhook:Url", "not a url", "SkillInference:Monitoring:Webhook:Url")]
    public void Options_InvalidValue_FailValidationNamingIt(string key, string value, string named)
    {
        var options = Bind(key, value);

        var ex = Assert.Throws<OptionsValidationException>(() => options.Value);

        Assert.Contains(named, ex.Message);
    }

    [TestMethod]
    public void Options_Configured_AreBoundFromTheSection()
    {
        var options = Bind("SkillInference:Monitoring:CorrelationThreshold", "0.6").Value;

        Assert.AreEqual(0.6, options.CorrelationThreshold);
        Assert.AreEqual(30, options.MinimumPairs, "defaults stay");
    }
}
