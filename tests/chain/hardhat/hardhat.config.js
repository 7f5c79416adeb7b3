// Hardhat 2 configuration for the JSON-RPC tests of chain/ (tests/chain/).
// Only `hardhat node` is used: nothing is compiled, the contracts are the
// T-REX / ONCHAINID npm artifacts deployed by chain/deploy.py.
module.exports = {
  paths: { sources: "./no-sources", cache: "/tmp/kyc-wallet-hardhat-cache", artifacts: "/tmp/kyc-wallet-hardhat-artifacts" },
  networks: { hardhat: { chainId: 31337, mining: { auto: true } } },
};
