namespace SkillInference.Host.Contracts.V1;

/// <summary>A version that takes a share of a skill's traffic beside (or instead of) the deployed version.</summary>
/// <param name="Version">The bundle version.</param>
/// <param name="Weight">The relative weight; a student is routed to a variant with probability weight / total weight.</param>
public sealed record TrafficVariant(string Version, double Weight)
{
    internal static TrafficVariant From(Registry.TrafficVariant v) => new(v.Version, v.Weight);

    internal Registry.TrafficVariant ToRegistry() => new(Version, Weight);
}
