//! A public build of text with names, secrets, host names and addresses planted in disguises:
//! no plant may reach any file of the site.
#![no_main]

use debrief::fuzzing::public::{Plant, public_build};
use libfuzzer_sys::arbitrary::{self, Arbitrary};

#[derive(Debug, Arbitrary)]
struct Input {
    filler: String,
    plants: Vec<(u8, u8, u8)>,
}

libfuzzer_sys::fuzz_target!(|input: Input| {
    let plants: Vec<Plant> = input
        .plants
        .iter()
        .map(|&(kind, disguise, field)| Plant {
            kind,
            disguise,
            field,
        })
        .collect();
    public_build(&input.filler, &plants);
});
