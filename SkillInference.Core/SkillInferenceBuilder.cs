using Microsoft.Extensions.DependencyInjection;

namespace SkillInference;

/// <summary>Configures SkillInference after <c>AddSkillInference</c>: the model store, extra formats, initializers.</summary>
public sealed class SkillInferenceBuilder
{
    internal SkillInferenceBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection, for adapter packages' extension methods.</summary>
    public IServiceCollection Services { get; }
}
