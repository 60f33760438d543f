namespace SkillInference.Registry;

/// <summary>Why a registry operation was refused.</summary>
internal enum RegistryErrorKind
{
    /// <summary>Someone else changed the registry between our read and our write; nothing was written. Re-read and retry.</summary>
    Conflict,

    /// <summary>The skill has no published bundle.</summary>
    SkillNotFound,

    /// <summary>The version was never published for the skill.</summary>
    VersionNotFound,

    /// <summary>The version is already published: bundles are immutable.</summary>
    VersionExists,

    /// <summary>The version number breaks the semver rule (a schema change needs a MAJOR bump).</summary>
    SemverViolation,

    /// <summary>There is no earlier deployment to roll back to.</summary>
    NothingToRollBack,

    /// <summary>The request is invalid (e.g. variant weights).</summary>
    InvalidRequest,

    /// <summary>The registry document in the store is malformed.</summary>
    CorruptRegistry,
}
