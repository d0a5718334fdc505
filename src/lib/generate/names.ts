// Word lists for plausible invented people, streets, songs and bands. No commas or double quotes anywhere:
// music.csv is written unquoted, as the reference file is.

export const MALE_FIRST_NAMES = [
  'James', 'Robert', 'John', 'Michael', 'David', 'William', 'Richard', 'Joseph', 'Thomas', 'Charles',
  'Christopher', 'Daniel', 'Matthew', 'Anthony', 'Mark', 'Donald', 'Steven', 'Paul', 'Andrew', 'Joshua',
  'Kenneth', 'Kevin', 'Brian', 'George', 'Timothy', 'Ronald', 'Edward', 'Jason', 'Jeffrey', 'Ryan',
  'Jacob', 'Gary', 'Nicholas', 'Eric', 'Jonathan', 'Stephen', 'Larry', 'Justin', 'Scott', 'Brandon',
  'Benjamin', 'Samuel', 'Gregory', 'Alexander', 'Frank', 'Patrick', 'Raymond', 'Jack', 'Dennis', 'Jerry',
  'Tyler', 'Aaron', 'Jose', 'Adam', 'Nathan', 'Henry', 'Douglas', 'Zachary', 'Peter', 'Kyle',
  'Noah', 'Ethan', 'Jeremy', 'Walter', 'Christian', 'Keith', 'Roger', 'Terry', 'Austin', 'Sean',
  'Gerald', 'Carl', 'Harold', 'Dylan', 'Arthur', 'Lawrence', 'Jordan', 'Jesse', 'Bryan', 'Billy',
  'Luis', 'Carlos', 'Juan', 'Miguel', 'Wei', 'Hiroshi', 'Andre', 'Darnell', 'Marcus', 'Omar',
] as const;

export const FEMALE_FIRST_NAMES = [
  'Mary', 'Patricia', 'Jennifer', 'Linda', 'Elizabeth', 'Barbara', 'Susan', 'Jessica', 'Sarah', 'Karen',
  'Lisa', 'Nancy', 'Betty', 'Sandra', 'Margaret', 'Ashley', 'Kimberly', 'Emily', 'Donna', 'Michelle',
  'Carol', 'Amanda', 'Melissa', 'Deborah', 'Stephanie', 'Dorothy', 'Rebecca', 'Sharon', 'Laura', 'Cynthia',
  'Amy', 'Kathleen', 'Angela', 'Shirley', 'Brenda', 'Emma', 'Anna', 'Pamela', 'Nicole', 'Samantha',
  'Katherine', 'Christine', 'Helen', 'Debra', 'Rachel', 'Carolyn', 'Janet', 'Maria', 'Catherine', 'Heather',
  'Diane', 'Olivia', 'Julie', 'Joyce', 'Victoria', 'Ruth', 'Virginia', 'Lauren', 'Kelly', 'Christina',
  'Joan', 'Evelyn', 'Judith', 'Andrea', 'Hannah', 'Megan', 'Cheryl', 'Jacqueline', 'Martha', 'Madison',
  'Teresa', 'Gloria', 'Sara', 'Janice', 'Ann', 'Kathryn', 'Abigail', 'Sophia', 'Frances', 'Jean',
  'Francine', 'Paula', 'Gina', 'Ida', 'Lucia', 'Mei', 'Yuki', 'Aaliyah', 'Keisha', 'Priya',
] as const;

export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores',
  'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts',
  'Gomez', 'Phillips', 'Evans', 'Turner', 'Diaz', 'Parker', 'Cruz', 'Edwards', 'Collins', 'Reyes',
  'Stewart', 'Morris', 'Morales', 'Murphy', 'Cook', 'Rogers', 'Gutierrez', 'Ortiz', 'Morgan', 'Cooper',
  'Peterson', 'Bailey', 'Reed', 'Kelly', 'Howard', 'Ramos', 'Kim', 'Cox', 'Ward', 'Richardson',
  'Watson', 'Brooks', 'Chavez', 'Wood', 'James', 'Bennett', 'Gray', 'Mendoza', 'Ruiz', 'Hughes',
  'Price', 'Alvarez', 'Castillo', 'Sanders', 'Patel', 'Myers', 'Long', 'Ross', 'Foster', 'Jimenez',
  'Powell', 'Jenkins', 'Perry', 'Russell', 'Sullivan', 'Bell', 'Coleman', 'Butler', 'Henderson', 'Barnes',
  'Gonzales', 'Fisher', 'Vasquez', 'Simmons', 'Romero', 'Jordan', 'Patterson', 'Alexander', 'Hamilton', 'Graham',
  'Koval', 'Gordon', 'Peltier', 'Blackmon', 'Ritter', "O'Brien", 'Schmidt', 'Novak', 'Larsen', 'Tanaka',
  'Chen', 'Wang', 'Singh', 'Kowalski', 'Dubois', 'Rossi', 'Murray', 'Fleming', 'Hayes', 'Warren',
] as const;

export const STREET_WORDS = [
  'Easy', 'Bent', 'Little', 'Long', 'Quiet', 'Misty', 'Golden', 'Silver', 'Rocky', 'Sunny',
  'Green', 'Old', 'Hidden', 'Lazy', 'Windy', 'Pleasant', 'Cozy', 'Dusty', 'Shady', 'Crystal',
] as const;

export const STREET_NOUNS = [
  'Cider', 'Gate', 'Hickory', 'Pony', 'Horse', 'Bridge', 'Thunder', 'Maple', 'Willow', 'Creek',
  'Meadow', 'Fox', 'Oak', 'Pine', 'Deer', 'Lake', 'Mill', 'Elm', 'Robin', 'Cedar',
] as const;

export const STREET_SUFFIXES = [
  'Point', 'Villa', 'Heights', 'Bend', 'Place', 'Bluff', 'Street', 'Avenue', 'Lane', 'Court',
  'Road', 'Drive', 'Way', 'Trail', 'Circle', 'Run', 'Path', 'Crossing', 'Terrace', 'Square',
] as const;

export const SONG_ADJECTIVES = [
  'Electric', 'Midnight', 'Golden', 'Broken', 'Wild', 'Lonely', 'Silver', 'Crazy', 'Sweet', 'Blue',
  'Burning', 'Endless', 'Hollow', 'Neon', 'Restless', 'Summer', 'Velvet', 'Faded', 'Shining', 'Secret',
  'Last', 'Little', 'Cold', 'Easy', 'Dangerous', 'Gentle', 'Sleepless', 'Crimson', 'Paper', 'Holy',
] as const;

export const SONG_NOUNS = [
  'Highway', 'Heart', 'Dream', 'River', 'Fire', 'Night', 'Love', 'Rain', 'Road', 'Moon',
  'City', 'Train', 'Angel', 'Shadow', 'Ocean', 'Thunder', 'Summer', 'Girl', 'Boy', 'Radio',
  'Mountain', 'Window', 'Letter', 'Storm', 'Garden', 'Diamond', 'Echo', 'Horizon', 'Kingdom', 'Mirror',
] as const;

export const SONG_VERBS = [
  'Dancing', 'Running', 'Falling', 'Waiting', 'Dreaming', 'Driving', 'Crying', 'Flying', 'Walking', 'Burning',
  'Holding', 'Chasing', 'Singing', 'Fading', 'Rolling',
] as const;

export const SONG_PLACES = [
  'the Moon', 'the Rain', 'the Stars', 'the Sun', 'the Bridge', 'the Radio', 'the Lights', 'the River',
  'Your Window', 'the Wire', 'the Sky', 'the Line', 'the Fire', 'the Dark',
] as const;

export const BAND_NOUNS = [
  'Wolves', 'Strangers', 'Rivers', 'Echoes', 'Pilots', 'Saints', 'Drifters', 'Ramblers', 'Comets', 'Harbors',
  'Shadows', 'Ravens', 'Sparrows', 'Outlaws', 'Dreamers', 'Travelers', 'Lanterns', 'Tigers', 'Satellites', 'Kings',
] as const;

export const BAND_SUFFIXES = ['Band', 'Trio', 'Quartet', 'Orchestra', 'Collective', 'Project', 'Experience'] as const;
