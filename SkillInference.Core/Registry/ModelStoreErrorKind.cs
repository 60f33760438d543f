namespace SkillInference.Registry;

/// <summary>Why a model store operation failed.</summary>
public enum ModelStoreErrorKind
{
    /// <summary>The write's precondition did not hold: someone else wrote first.</summary>
    PreconditionFailed,

    /// <summary>The store could not be reached or answered with a transient error; retrying may succeed.</summary>
    Unavailable,

    /// <summary>The store refused the operation (permissions, invalid path).</summary>
    Refused,
}
