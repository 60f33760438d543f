using Microsoft.Extensions.Options;

namespace SkillInference.Monitoring;

/// <summary>Refuses monitoring options that cannot work, at start-up.</summary>
internal sealed class MonitoringOptionsValidator : IValidateOptions<MonitoringOptions>
{
    public ValidateOptionsResult Validate(string? name, MonitoringOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems.Select(p => "SkillInference:Monitoring:" + p));
    }
}
