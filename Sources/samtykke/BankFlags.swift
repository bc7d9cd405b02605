import ArgumentParser
import SamtykkeCore

/// One bank's records, straight on the store: where the store is and the bank's organisation number.
struct BankFlags: ParsableArguments {
    @OptionGroup var store: StoreFlags
    @Option(help: "The bank's 9-digit organisation number.", transform: OrgNumber.argument)
    var org: OrgNumber?

    mutating func validate() throws {
        try Env.require(&org, "org", OrgNumber.argument)
        _ = try store.location()
    }

    /// The bank; `validate()` required it.
    var bank: OrgNumber { org! }
}
