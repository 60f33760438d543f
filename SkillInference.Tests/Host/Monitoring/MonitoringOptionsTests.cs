using Microsoft.Extensions.Options;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Host.Monitoring;

/// <summary>Monitoring options are validated when the host starts, naming the offending key.</summary>
[TestClass]
public sealed class MonitoringOptionsTests
{
    [TestMethod]
    [DataRow("SkillInference:Monitoring:PsiAlert", "0.05", "PsiWatch must be positive and PsiAlert at least PsiWatch")]
    [DataRow("SkillInference:Monitoring:MinimumPairs", "3", "MinimumPairs")]
    [DataRow("SkillInference:Monitoring:Webhook:Url", "not a url", "Webhook:Url")]
    public void Start_InvalidMonitoringOption_FailsNamingIt(string key, string value, string named)
    {
        using var factory = new SkillInferenceHostFactory(TempDirectory.Create("monitoring-options"), new Dictionary<string, string?> { [key] = value });

        var ex = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains("SkillInference:Monitoring:" + named, ex.Message);
    }
}
