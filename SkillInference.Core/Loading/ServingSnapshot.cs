using System.Collections.Frozen;
using SkillInference.Inference;

namespace SkillInference.Loading;

/// <summary>An immutable view of what is served; replaced atomically on reload.</summary>
internal sealed class ServingSnapshot
{
    public ServingSnapshot(
        bool initialized,
        string? registryGeneration,
        IReadOnlyList<string> registeredSkills,
        IReadOnlyDictionary<string, SkillServing> skills,
        IReadOnlyList<ModelLoadFailure> failures,
        DateTimeOffset? lastRefresh,
        string? lastError)
    {
        Initialized = initialized;
        RegistryGeneration = registryGeneration;
        RegisteredSkills = registeredSkills;
        Skills = skills.ToFrozenDictionary(StringComparer.Ordinal);
        Failures = failures;
        LastRefresh = lastRefresh;
        LastError = lastError;
        var models = skills.Values.SelectMany(s => s.AllModels).Distinct().ToArray();
        FeatureSlots = models.SelectMany(m => m.Names).Distinct(StringComparer.Ordinal)
            .Select((name, slot) => KeyValuePair.Create(name, slot))
            .ToFrozenDictionary(StringComparer.Ordinal);
        ModelSlots = models.ToFrozenDictionary(m => m, m => m.Names.Select(n => FeatureSlots[n]).ToArray());
        Ordered = [.. RegisteredSkills.Where(Skills.ContainsKey).Select(s => Skills[s])];
        MaxFeatureCount = models.Length == 0 ? 0 : models.Max(m => m.Names.Length);
    }

    public static ServingSnapshot Empty { get; } = new(false, null, [], new Dictionary<string, SkillServing>(), [], null, null);

    public bool Initialized { get; }

    public string? RegistryGeneration { get; }

    public IReadOnlyList<string> RegisteredSkills { get; }

    public FrozenDictionary<string, SkillServing> Skills { get; }

    /// <summary>The loaded skills in registry order.</summary>
    public SkillServing[] Ordered { get; }

    public IReadOnlyList<ModelLoadFailure> Failures { get; }

    public DateTimeOffset? LastRefresh { get; }

    public string? LastError { get; }

    /// <summary>The most features any loaded model has.</summary>
    public int MaxFeatureCount { get; }

    /// <summary>Every feature name any loaded model uses, with a slot number shared by all models.</summary>
    public FrozenDictionary<string, int> FeatureSlots { get; }

    /// <summary>For each loaded model, the shared slot of each of its features (schema order).</summary>
    public FrozenDictionary<LoadedModel, int[]> ModelSlots { get; }

    /// <summary>The same view, checked again at <paramref name="at"/>.</summary>
    public ServingSnapshot Refreshed(DateTimeOffset at) => new(Initialized, RegistryGeneration, RegisteredSkills, Skills, Failures, at, null);

    public ServingStatus ToStatus() => new(
        Initialized,
        RegisteredSkills,
        Skills.ToDictionary(kv => kv.Key, kv => kv.Value.Deployed.Version, StringComparer.Ordinal),
        Failures,
        LastRefresh,
        LastError);
}
